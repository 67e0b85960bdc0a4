import Foundation
import Testing

@testable import Contracts

@Suite struct SigningTests {
    struct Vectors {
        var key: TrustStore.Key
        var seed: Data
        var vectors: [[String: Any]]
        var tampered: [[String: Any]]

        init() throws {
            let v = try Repository.json("contracts/vectors/signing.json") as! [String: Any]
            let k = v["key"] as! [String: String]
            key = TrustStore.Key(
                keyID: k["keyId"]!, party: PartyID(rawValue: k["party"]!)!,
                publicKey: Data(base64Encoded: k["publicKey"]!)!)
            seed = Data(hexString: k["seed"]!)
            vectors = v["vectors"] as! [[String: Any]]
            tampered = v["tampered"] as! [[String: Any]]
        }
    }

    static func envelope(_ headers: [String: String], signature: String?) throws -> Envelope {
        var h = [
            Envelope.Header.contract: "1",
            Envelope.Header.typeVersion: headers["type-version"]!,
            Envelope.Header.sender: headers["sender"]!,
            Envelope.Header.recipient: headers["recipient"]!,
            Envelope.Header.subject: headers["subject"]!,
            Envelope.Header.sentAt: headers["sent-at"]!,
            Envelope.Header.keyID: headers["key-id"]!,
        ]
        h[Envelope.Header.signature] = signature
        return try Envelope(messageID: headers["message-id"], type: headers["type"], headers: h)
    }

    @Test func swiftComputesTheSameSigningInputAndVerifiesEveryVector() throws {
        let v = try Vectors()
        let trust = try TrustStore(keys: [v.key])
        for vector in v.vectors {
            let headers = vector["headers"] as! [String: String]
            let body = Data((vector["body"] as! String).utf8)
            let env = try Self.envelope(headers, signature: vector["signature"] as? String)
            #expect(String(decoding: env.signingInput(body: body), as: UTF8.self) == vector["signingInput"] as? String)
            try trust.verify(env, body: body, signedBy: .victim, at: Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!)
        }
    }

    #if os(Linux)
    /// BoringSSL's Ed25519 (swift-crypto on Linux) is deterministic, so Swift must produce the published bytes.
    @Test func swiftSignsTheVectorsToTheSameBytes() throws {
        let v = try Vectors()
        let signer = try MessageSigner(keyID: v.key.keyID, party: .victim, privateKey: v.seed)
        #expect(signer.publicKey == v.key.publicKey)
        for vector in v.vectors {
            let body = Data((vector["body"] as! String).utf8)
            var env = try Self.envelope(vector["headers"] as! [String: String], signature: nil)
            signer.sign(&env, body: body)
            #expect(env.signature == vector["signature"] as? String, "\(vector["name"]!)")
        }
    }
    #endif

    @Test func everyTamperedVectorFails() throws {
        let v = try Vectors()
        for t in v.tampered {
            var key = v.key
            if let other = t["publicKey"] as? String { key.publicKey = Data(base64Encoded: other)! }
            let trust = try TrustStore(keys: [key])
            let env = try Self.envelope(t["headers"] as! [String: String], signature: t["signature"] as? String)
            #expect(throws: SignatureError.badSignature, "\(t["name"]!)") {
                try trust.verify(env, body: Data((t["body"] as! String).utf8), signedBy: .victim)
            }
        }
    }

    @Test func keysAreCheckedForOwnerAndExpiry() throws {
        let signer = MessageSigner.generate(keyID: "victim-2026-1", party: .victim)
        var env = Envelope(
            messageID: UUID().uuidString.lowercased(), type: .referral, sender: .victim,
            recipient: .safehome, subject: try URCAllocator(issuer: "10").allocate(), keyID: "x")
        let body = Data("{}".utf8)
        signer.sign(&env, body: body)
        let now = Timestamp()
        let trust = try TrustStore(keys: [
            .init(
                keyID: signer.keyID, party: .victim, publicKey: signer.publicKey,
                notAfter: now.adding(seconds: 60))
        ])
        try trust.verify(env, body: body, signedBy: .victim, at: now)
        #expect(throws: SignatureError.keyNotOwnedBy(keyID: "victim-2026-1", expected: .family, owner: .victim)) {
            try trust.verify(env, body: body, signedBy: .family, at: now)
        }
        #expect(throws: SignatureError.keyExpired("victim-2026-1")) {
            try trust.verify(env, body: body, signedBy: .victim, at: now.adding(seconds: 61))
        }
        #expect(throws: SignatureError.unknownKey("victim-2026-1")) {
            try TrustStore().verify(env, body: body, signedBy: .victim)
        }
        var unsigned = env
        unsigned.signature = nil
        #expect(throws: SignatureError.unsigned) { try trust.verify(unsigned, body: body, signedBy: .victim) }
        var garbage = env
        garbage.signature = "not base64!"
        #expect(throws: SignatureError.badSignature) { try trust.verify(garbage, body: body, signedBy: .victim) }
    }

    @Test func trustFilesRoundTripAndRefuseBadKeys() throws {
        let signer = MessageSigner.generate(keyID: "family-2026-1", party: .family)
        let store = try TrustStore(keys: [.init(keyID: signer.keyID, party: .family, publicKey: signer.publicKey, development: true)])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID()).json")
        try store.write(to: url)
        let loaded = try TrustStore(contentsOf: url)
        #expect(loaded.keys == store.keys)
        #expect(throws: TrustStoreError.self) {
            try TrustStore(keys: [.init(keyID: "k1", party: .family, publicKey: Data([1, 2, 3]))])
        }
        #expect(throws: TrustStoreError.duplicateKey("k1")) {
            try TrustStore(keys: [
                .init(keyID: "k1", party: .family, publicKey: signer.publicKey),
                .init(keyID: "k1", party: .victim, publicKey: signer.publicKey),
            ])
        }
        #expect(throws: TrustStoreError.self) { try TrustStore(contentsOf: URL(fileURLWithPath: "/nonexistent/trust.json")) }
    }
}

extension Data {
    init(hexString: String) {
        var bytes: [UInt8] = []
        var i = hexString.startIndex
        while i < hexString.endIndex {
            let j = hexString.index(i, offsetBy: 2)
            bytes.append(UInt8(hexString[i..<j], radix: 16)!)
            i = j
        }
        self.init(bytes)
    }
}

@Suite struct KeyFileTests {
    @Test func keyFilesRoundTripAndMustBePrivate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let signer = MessageSigner.generate(keyID: "sanctuary-2026-1", party: .sanctuary)
        let url = dir.appendingPathComponent("sanctuary-2026-1.key")
        try KeyFile(signer: signer, development: true).write(to: url)
        let loaded = try KeyFile.signer(contentsOf: url)
        #expect(loaded.publicKey == signer.publicKey && loaded.party == .sanctuary && loaded.keyID == signer.keyID)
        #expect(throws: KeyFileError.self) { try KeyFile(signer: signer, development: true).write(to: url) }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        do {
            _ = try KeyFile.signer(contentsOf: url)
            Issue.record("a world-readable key file was accepted")
        } catch {
            #expect("\(error)".contains("chmod 600"))
        }
    }
}
