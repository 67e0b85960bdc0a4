import Foundation
import Yams

/// The words of the area that say where someone is (`config/gazetteer.yaml`): places, streets and schools, the
/// words that end a street's name, and the postcode areas. Data an information-governance officer keeps.
public struct Gazetteer: Sendable, Equatable {
    /// Place names of the area (towns, estates, neighbourhoods), each of which says where someone is.
    public var places: [String]
    /// Street names of the area, found even without a street word after them.
    public var streets: [String]
    /// School names of the area: a child's school must never reach the perpetrator service.
    public var schools: [String]
    /// Words that end a street's name and are nothing else (`road`, `lane`): a name before one makes an address.
    public var streetWords: [String]
    /// Street words that are also ordinary words (`close`, `way`): they count after a word that is not an ordinary one, or in capitals.
    public var ambiguousStreetWords: [String]
    /// The area's postcode areas (one or two letters, such as `LS`), so that an outward code alone (`LS6`) is found.
    public var postcodeAreas: [String]
    /// Mail providers, whose name after "at" is an email address even without its domain ("jo at gmail").
    public var mailProviders: [String]
    /// Social platforms, whose name before a handle says it is one ("on Instagram as jane.smith.x").
    public var socialPlatforms: [String] = []

    /// An empty gazetteer: only what needs no list (numbers, postcodes, emails, street words) is found.
    public static let empty = Gazetteer(
        places: [], streets: [], schools: [], streetWords: [], ambiguousStreetWords: [], postcodeAreas: [], mailProviders: [])

    /// A gazetteer from its lists; social platforms are set on their own.
    public init(
        places: [String], streets: [String], schools: [String], streetWords: [String],
        ambiguousStreetWords: [String], postcodeAreas: [String], mailProviders: [String] = []
    ) {
        self.places = places
        self.streets = streets
        self.schools = schools
        self.streetWords = streetWords
        self.ambiguousStreetWords = ambiguousStreetWords
        self.postcodeAreas = postcodeAreas
        self.mailProviders = mailProviders
    }

    private struct File: Decodable {
        var version: Int
        var places: [String]?
        var streets: [String]?
        var schools: [String]?
        var streetWords: [String]
        var ambiguousStreetWords: [String]?
        var postcodeAreas: [String]
        var mailProviders: [String]?
        var socialPlatforms: [String]?
    }

    /// Reads and checks a gazetteer file; a mistake is reported with where it is.
    public init(contentsOf url: URL) throws(PolicyError) {
        let source = url.lastPathComponent
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw PolicyError("cannot read \(url.path): \(error.localizedDescription)")
        }
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: text) } catch { throw PolicyError("\(source): \(error)") }
        guard file.version == 1 else { throw PolicyError("\(source): version \(file.version) is not supported (expected 1)") }
        for (list, name) in [
            (file.places ?? [], "places"), (file.streets ?? [], "streets"), (file.schools ?? [], "schools"),
            (file.streetWords, "streetWords"), (file.ambiguousStreetWords ?? [], "ambiguousStreetWords"),
            (file.mailProviders ?? [], "mailProviders"), (file.socialPlatforms ?? [], "socialPlatforms"),
        ] {
            if let bad = list.first(where: { NormalisedText($0).string.count < 2 }) {
                throw PolicyError("\(source): \(name): '\(bad)' is too short to look for; write at least two letters")
            }
        }
        for area in file.postcodeAreas where !(1...2).contains(area.count) || !area.allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw PolicyError("\(source): postcodeAreas: '\(area)' is not one or two letters")
        }
        self.init(
            places: file.places ?? [], streets: file.streets ?? [], schools: file.schools ?? [], streetWords: file.streetWords,
            ambiguousStreetWords: file.ambiguousStreetWords ?? [], postcodeAreas: file.postcodeAreas,
            mailProviders: file.mailProviders ?? [])
        socialPlatforms = file.socialPlatforms ?? []
    }
}
