import AMQP
import Foundation
import Messaging
import Testing

/// The private broker `scripts/test.sh` starts, as its env file describes it: the operator's URL and one URL per
/// broker user (`REFGW_AMQP_URL_<USER>`, upper case, `-` as `_`).
public enum TestBrokerEnvironment {
    /// A variable the test command exports; stops the test run with what to do when it is missing.
    public static func env(_ name: String) -> String {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else {
            fatalError("\(name) is not set: run the tests with scripts/test.sh, which starts a private RabbitMQ node")
        }
        return v
    }

    /// Whether the private broker's env file was sourced. Under CI it counts as there regardless, so that a CI run
    /// without it fails loudly (`env`) instead of skipping every broker test.
    public static var isAvailable: Bool {
        let env = ProcessInfo.processInfo.environment
        return !(env["REFGW_AMQP_URL"] ?? "").isEmpty || env["CI"] != nil
    }

    /// The operator (`refgw-admin`): declares, inspects, takes messages.
    public static var admin: AMQPConnectionConfiguration { try! AMQPConnectionConfiguration(url: env("REFGW_AMQP_URL")) }

    /// A broker user by name: a party (`victim`, `gateway`) or `refgw-deadletters`.
    public static func user(_ name: String) -> AMQPConnectionConfiguration {
        try! AMQPConnectionConfiguration(url: env("REFGW_AMQP_URL_" + name.uppercased().replacingOccurrences(of: "-", with: "_")))
    }

    /// Takes messages from `queue` (as the operator) until `count` arrived or `timeout` seconds passed.
    public static func take(_ count: Int, from queue: String, timeout: Double = 30) async throws -> [AMQPDelivery] {
        let admin = try await AMQPAdminClient(configuration: admin)
        var got: [AMQPDelivery] = []
        let deadline = ContinuousClock.now + .seconds(timeout)
        while got.count < count && ContinuousClock.now < deadline {
            if let d = try await admin.take(from: queue) { got.append(d) } else { try await Task.sleep(for: .milliseconds(20)) }
        }
        await admin.close()
        return got
    }

    /// Messages ready in `queue` (not those handed to a consumer and not acknowledged yet), asked as the operator.
    public static func messageCount(_ queue: String) async throws -> Int {
        let admin = try await AMQPAdminClient(configuration: admin)
        do {
            let count = try await admin.messageCount(queue)
            await admin.close()
            return count
        } catch {
            await admin.close()
            throw error
        }
    }

    /// Declares a namespace's topology (the least-privilege users may not).
    public static func declare(_ names: ReferralGatewayTopology, deliveryLimit: Int = ReferralGatewayTopology.defaultDeliveryLimit) async throws {
        let admin = try await AMQPAdminClient(configuration: admin)
        try await admin.declare(names.topology(deliveryLimit: deliveryLimit))
        await admin.close()
    }

    /// Removes a namespace's queues and exchanges, whatever the test left in them.
    public static func remove(_ names: ReferralGatewayTopology) async {
        guard let admin = try? await AMQPAdminClient(configuration: admin) else { return }
        for q in names.queueNames() { try? await admin.deleteQueue(q) }
        for x in [names.submitExchange, names.deliverExchange, names.deadLetterExchange] { try? await admin.deleteExchange(x) }
        await admin.close()
    }
}

extension Trait where Self == ConditionTrait {
    /// For suites that talk to the private broker: without it (`swift test` alone) they are skipped, saying how to
    /// run them, and the rest run.
    public static var needsBroker: Self {
        .enabled(
            if: TestBrokerEnvironment.isAvailable,
            "needs the private RabbitMQ node: run scripts/test.sh, or source the env file scripts/broker.sh writes")
    }
}
