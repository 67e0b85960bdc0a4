/// Lower-case hexadecimal, fast: signing and the audit chain hex-encode a SHA-256 for every message, and
/// `String(format:)` per byte cost more than the signature itself.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The bytes as lower-case hexadecimal, two digits a byte (a SHA-256 gives the 64 digits of `body-sha256`).
    public static func encode<S: Sequence<UInt8>>(_ bytes: S) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
