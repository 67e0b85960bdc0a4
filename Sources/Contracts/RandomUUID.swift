import Foundation

extension UUID {
    /// A random (version 4) UUID in lower case, as message ids and the contracts' other ids are written.
    ///
    /// Foundation's `UUID()` opens, reads and closes /dev/urandom for every one on Linux: 40 % of storing a bulk
    /// replay's 10,000 requests. The standard library's system generator asks the kernel (getrandom) directly.
    public static func randomLowercased() -> String {
        var generator = SystemRandomNumberGenerator()
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { bytes in
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 8, as: UInt64.self)
            bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
            bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        }
        return UUID(uuid: uuid).uuidString.lowercased()
    }
}
