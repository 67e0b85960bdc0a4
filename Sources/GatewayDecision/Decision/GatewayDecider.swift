import Contracts
import Crypto
import Foundation

/// The gateway's checks that need no database: who sent it, is it intact and well-formed, may this recipient
/// have it at all, and what of it. Pure and thread-safe, so batches can be assessed in parallel.
public struct GatewayDecider: Sendable {
    /// The information-sharing policy every message is decided under.
    public let policy: SharingPolicy
    /// The contract schemas each body is validated against, and how each type's body is bound to its envelope.
    public let schemas: ContractSchemas
    /// The services' public keys: who signed a message, and whether that key is the sender's and current.
    public let trust: TrustStore
    /// The parties on this gateway, with their broker users and the issuer codes of their URCs.
    public let parties: PartyDirectory
    /// The gateway's own signing key, with which it signs everything it delivers.
    public let signer: MessageSigner
    /// The publisher whose messages to the gateway are replay requests (the dead-letter administrator's broker user).
    public let replayUser: String
    /// Marks refused messages whose sender's signature was checked, so a replay need not check it again.
    public let signatureSeal: SignatureSeal
    /// What each recipient may have of a body: the part of the decision that needs neither keys nor store.
    public let filter: RecipientFilter
    /// Each recipient's view of each type: every body is checked against it before the gateway signs it.
    public var views: RecipientViews { filter.views }
    /// The text checks toward recipients whose policy entry has `scrubContactDetails`.
    public var disclosureGuard: DisclosureGuard { filter.disclosureGuard }
    private let partyByBrokerUser: [String: PartyID]

    /// Throws when the policy and the schemas do not fit together (a view cannot be made).
    public init(
        policy: SharingPolicy, schemas: ContractSchemas, trust: TrustStore, parties: PartyDirectory,
        signer: MessageSigner, replayUser: String
    ) throws {
        self.policy = policy
        self.schemas = schemas
        self.trust = trust
        self.parties = parties
        self.signer = signer
        self.replayUser = replayUser
        signatureSeal = SignatureSeal(signer: signer)
        filter = try RecipientFilter(policy: policy, schemas: schemas, parties: parties)
        var byUser: [String: PartyID] = [:]
        for (id, e) in parties.entries { byUser[e.brokerUser] = id }
        partyByBrokerUser = byUser
    }

    /// Assesses one message submitted to the gateway at `now`. `replaying` is set for a kept dead letter decided again:
    /// its sent-at is as old as the dead letter, so the clock check gives way to the replay's audit entry; `seal`
    /// is the `SignatureSeal` the gateway put on that dead letter when it refused it, if any.
    public func assess(_ delivery: SubmittedMessage, now: Timestamp = Timestamp(), replaying: Bool = false, seal: String? = nil) -> Assessment {
        // The content, not the signature: a sender that re-signs on a retry (fresh sent-at after a crash) is
        // still sending the same message, and must not be refused as a reused id.
        var fingerprintInput = Data()
        for name in [Envelope.Header.sender, Envelope.Header.recipient, Envelope.Header.subject] {
            fingerprintInput.append(contentsOf: (delivery.text(name) ?? "").utf8)
            fingerprintInput.append(0x0A)
        }
        fingerprintInput.append(contentsOf: (delivery.type ?? "").utf8)
        fingerprintInput.append(0x0A)
        fingerprintInput.append(delivery.body)
        let fingerprint = SHA256.hash(data: fingerprintInput).hex
        let brokerSender = delivery.publisher.flatMap { partyByBrokerUser[$0] }
        var a = Assessment(
            message: delivery, envelope: nil, brokerSender: brokerSender, fingerprint: fingerprint,
            verdict: .refuse(Refusal(.invalidEnvelope)))
        // Only the dead-letter administrator's broker user can ask for a replay (the broker vouches for user_id).
        if delivery.publisher == replayUser, let requests = ReplayRequest.read(delivery) {
            a.verdict = .replay(requests)
            return a
        }
        do throws(Refusal) {
            let env = try readEnvelope(delivery)
            a.envelope = env
            try authenticate(env, delivery: delivery, brokerSender: brokerSender, now: now, seal: seal)
            a.signatureChecked = true
            a.verdict = try decide(env, delivery: delivery, now: now, checkClock: !replaying)
        } catch {
            a.verdict = .refuse(error)
        }
        return a
    }

    package func readEnvelope(_ delivery: SubmittedMessage) throws(Refusal) -> Envelope {
        do {
            return try delivery.signedMessage().envelope
        } catch {
            throw Refusal(.invalidEnvelope, "the envelope cannot be read: \(error.description)")
        }
    }

    /// Who sent it: a body within bounds, published by the party the envelope names, signed with that party's key.
    private func authenticate(
        _ env: Envelope, delivery: SubmittedMessage, brokerSender: PartyID?, now: Timestamp,
        seal: String?
    ) throws(Refusal) {
        let body = delivery.body
        guard body.count <= policy.maxMessageBytes else {
            throw Refusal(.oversized, "the body is \(body.count) bytes; the gateway accepts at most \(policy.maxMessageBytes)")
        }
        // The broker vouches for user_id; the envelope's sender must be that same party.
        guard let brokerSender, brokerSender == env.sender else {
            throw Refusal(
                .senderMismatch,
                "the message says it is from \(env.sender) but was published by broker user '\(delivery.publisher ?? "(none)")'")
        }
        let sealed = seal.map { seal in { [signatureSeal] (input: Data) in signatureSeal.vouches(seal, forSigningInput: input) } }
        do {
            try trust.verify(env, body: body, signedBy: env.sender, at: now, checkedBefore: sealed)
        } catch {
            throw Refusal(error.reasonCode, error.description)
        }
    }

    /// What may go where: clock, schema, the body bound to the envelope, policy and lawful basis, then the
    /// recipient's redacted, re-signed view.
    private func decide(_ env: Envelope, delivery: SubmittedMessage, now: Timestamp, checkClock: Bool) throws(Refusal) -> Assessment.Verdict {
        let body = delivery.body
        let skew = abs(Double(now.millisecondsSince1970 - env.sentAt.millisecondsSince1970) / 1000)
        guard skew <= policy.acceptedClockSkew || !checkClock else {
            throw Refusal(
                .expiredTimestamp, "sent-at is \(Int(skew)) s from the gateway's clock; at most \(Int(policy.acceptedClockSkew)) s is accepted")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { throw Refusal(.invalidSchema, "the body is not JSON: \(error.description)") }
        do { try schemas.validate(json, as: env.type) } catch {
            throw Refusal(.invalidSchema, "the body does not match the \(env.type.rawValue) schema at \(error.description)")
        }
        // From here on the gateway decides on the one subject checked here, and on nothing the envelope alone says.
        let binding = schemas.bindings.binding(for: env.type)
        let bound = try binding.bind(json, envelope: env, parties: parties)

        guard !env.type.isGatewayOnly else {
            throw Refusal(.noPolicy, "only the gateway sends \(env.type.rawValue) messages")
        }
        if env.type == .consent {
            guard env.recipient == .gateway else {
                throw Refusal(.unknownRecipient, "consent records are sent to the gateway, not to \(env.recipient)")
            }
            guard policy.consentRecorders.contains(env.sender) else {
                throw Refusal(.consentNotPermitted, "the policy does not let \(env.sender) record consent")
            }
            let record: ConsentRecord
            do { record = try ContractJSON.decode(ConsentRecord.self, from: body) } catch {
                throw Refusal(.invalidSchema, "the consent record cannot be read")
            }
            try checkConsent(record, envelope: env, now: now, checkClock: checkClock)
            return .recordConsent(record)
        }
        guard policy.recipients.contains(env.recipient) || parties[env.recipient] != nil, env.recipient != .gateway else {
            throw Refusal(.unknownRecipient, "'\(env.recipient)' is not a party on this gateway")
        }
        guard let rule = policy.rule(for: env.recipient, type: env.type) else {
            throw Refusal(.noPolicy, "the policy has no entry for \(env.type.rawValue) to \(env.recipient)")
        }
        guard rule.senders.contains(env.sender) else {
            throw Refusal(.noPolicy, "the policy does not let \(env.sender) send \(env.type.rawValue) to \(env.recipient)")
        }
        if let roles = rule.subjectRoles {
            guard let role = bound.subject.role, roles.contains(role) else {
                throw Refusal(
                    .forbiddenContent,
                    "\(env.recipient) may only receive \(env.type.rawValue) about a \(roles.map(\.rawValue).sorted().joined(separator: " or "))")
            }
        }
        let purposeText = json.value(at: "sharing.purpose")?.stringValue ?? rule.defaultPurpose?.rawValue
        guard let purposeText, let purpose = Purpose(rawValue: purposeText), rule.purposes.contains(purpose) else {
            throw Refusal(.noPolicy, "the policy does not allow \(env.type.rawValue) to \(env.recipient) for purpose '\(purposeText ?? "none")'")
        }
        var lawfulBasis: LawfulBasis?
        if let basisJSON = json.value(at: "sharing.lawfulBasis") {
            guard let basis = try? JSONDecoder().decode(LawfulBasis.self, from: Data(JSONWriter.bytes(basisJSON))) else {
                throw Refusal(.invalidSchema, "the lawful basis cannot be read")
            }
            guard rule.lawfulBases[basis.code]?.contains(env.sender) == true else {
                throw Refusal(.lawfulBasisNotAllowed, "\(env.sender) may not invoke \(basis.code.rawValue) toward \(env.recipient) under the policy")
            }
            lawfulBasis = basis
        }
        let consentID = json.value(at: "sharing.consentId")?.stringValue

        let view = try redactAndSign(json, envelope: env, rule: rule, now: now)
        return .deliver(
            PreparedDelivery(
                rule: rule, purpose: purpose, lawfulBasis: lawfulBasis, consentID: consentID,
                removedFields: view.removedFields, outgoing: view.message, bound: bound,
                deliveredPeople: binding.named(in: view.body, envelope: env),
                records: binding.records(in: view.body)))
    }

    /// What a consent record must say before the registry looks at it: known recipients other than the sender and
    /// the gateway, each shared with for one of its purposes under the policy, and times that make sense now.
    func checkConsent(_ r: ConsentRecord, envelope env: Envelope, now: Timestamp, checkClock: Bool) throws(Refusal) {
        let skewMilliseconds = Int64(policy.acceptedClockSkew * 1000)
        let id = r.consentId
        switch r.status {
        case .given:
            let recipients = r.recipients ?? []
            let purposes = r.purposes ?? []
            for p in recipients {
                guard parties[p] != nil, p != .gateway else {
                    throw Refusal(.invalidConsent, "consent \(id) names '\(p)', which is not a service on this gateway")
                }
                guard p != env.sender else {
                    throw Refusal(.invalidConsent, "consent \(id) names \(p), the service recording it: consent is to share with other services")
                }
                guard purposes.contains(where: { policy.shares(for: $0, with: p) }) else {
                    throw Refusal(
                        .invalidConsent,
                        "consent \(id): the policy shares nothing with \(p) for \(purposes.map(\.rawValue).joined(separator: " or "))")
                }
            }
            for purpose in purposes where !recipients.contains(where: { policy.shares(for: purpose, with: $0) }) {
                throw Refusal(
                    .invalidConsent,
                    "consent \(id): the policy shares nothing for \(purpose.rawValue) with \(recipients.map(\.rawValue).joined(separator: " or "))")
            }
            guard let given = r.givenAt, let expires = r.expiresAt else {
                throw Refusal(.invalidSchema, "a consent given needs givenAt and expiresAt")
            }
            guard expires.millisecondsSince1970 > given.millisecondsSince1970 else {
                throw Refusal(.invalidConsent, "consent \(id) expires before it was given")
            }
            guard checkClock else { return }
            guard expires.millisecondsSince1970 > now.millisecondsSince1970 else {
                throw Refusal(.invalidConsent, "consent \(id) expired at \(expires.rfc3339): record a current consent")
            }
            guard given.millisecondsSince1970 <= now.millisecondsSince1970 + skewMilliseconds else {
                throw Refusal(.invalidConsent, "consent \(id) is given in the future (\(given.rfc3339)): check the sender's clock")
            }
        case .withdrawn:
            guard r.recipients == nil, r.purposes == nil, r.givenAt == nil, r.expiresAt == nil else {
                throw Refusal(.invalidConsent, "a withdrawal ends the whole consent \(id): it names no recipients, purposes or times but withdrawnAt")
            }
            if checkClock, let at = r.withdrawnAt, at.millisecondsSince1970 > now.millisecondsSince1970 + skewMilliseconds {
                throw Refusal(.invalidConsent, "the withdrawal of \(id) is dated in the future (\(at.rfc3339)): check the sender's clock")
            }
        }
    }

    /// A recipient's view of a body: the delivered body, the signed message, and the names of what was removed.
    struct View {
        var body: JSONValue
        var message: SignedMessage
        var removedFields: [String]
    }

    /// The recipient's view of a body under `rule`, signed as the gateway at `now`, with the names of what was removed.
    func redactAndSign(_ json: JSONValue, envelope env: Envelope, rule: SharingPolicy.Rule, now: Timestamp) throws(Refusal) -> View {
        let redaction = try filter.view(of: json, type: env.type, for: env.recipient, under: rule)
        var outEnvelope = env
        outEnvelope.sentAt = now
        let outBody = Data(JSONWriter.bytes(redaction.body))
        signer.sign(&outEnvelope, body: outBody)
        return View(body: redaction.body, message: SignedMessage(envelope: outEnvelope, body: outBody), removedFields: redaction.removedFields)
    }
}
