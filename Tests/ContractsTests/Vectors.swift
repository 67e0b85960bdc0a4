import Foundation
import TestSupport

/// Reads files under the repository's `contracts/` folder.
enum Repository {
    static let root = RepositoryRoot.url

    static func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(path)))
    }
}
