print("refgw")
