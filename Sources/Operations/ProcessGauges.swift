import Contracts
import Prometheus

/// Gauges every process sets once at start: its build and policy, and when the keys it relies on expire.
public enum ProcessGauges {
    /// The version this build reports in `refgw_build_info`.
    public static let version = "0.9.0"

    /// `refgw_build_info{process, version, policy_sha256} 1`: which build runs, and on which policy file.
    public static func recordBuild(process: String, policySHA256: String?, in registry: PrometheusCollectorRegistry) {
        var labels = [("process", process), ("version", version)]
        if let policySHA256 { labels.append(("policy_sha256", policySHA256)) }
        let build = MetricNameDescriptor(
            namespace: "refgw", metricName: "build", unitName: "info", helpText: "The build and policy this process runs.")
        registry.makeGauge(descriptor: build, labels: labels).set(Double(1))
    }

    /// `refgw_signing_key_expiry_timestamp_seconds` of the process's own key, and
    /// `refgw_trusted_key_expiry_timestamp_seconds{party, key_id}` of every key in its trust file that expires.
    public static func recordKeys(signer: MessageSigner, trust: TrustStore, in registry: PrometheusCollectorRegistry) {
        if let notAfter = trust.keys[signer.keyID]?.notAfter {
            let own = MetricNameDescriptor(
                namespace: "refgw", metricName: "signing_key_expiry_timestamp", unitName: "seconds",
                helpText: "When this process's signing key expires (Unix time).")
            registry.makeGauge(descriptor: own, labels: [("key_id", signer.keyID)]).set(Double(notAfter.millisecondsSince1970) / 1000)
        }
        for key in trust.keys.values.sorted(by: { $0.keyID < $1.keyID }) {
            guard let notAfter = key.notAfter else { continue }
            let trusted = MetricNameDescriptor(
                namespace: "refgw", metricName: "trusted_key_expiry_timestamp", unitName: "seconds",
                helpText: "When a key of the trust file expires (Unix time).")
            registry.makeGauge(descriptor: trusted, labels: [("party", key.party.rawValue), ("key_id", key.keyID)]).set(
                Double(notAfter.millisecondsSince1970) / 1000)
        }
    }
}
