import Foundation

/// Where a Kubernetes job runs and what it mounts.
public struct KubernetesOptions: Sendable, Equatable {
    /// Container image with `swarmlab` on its PATH, e.g. `registry.example.org/swarmlab:0.1.0`.
    public var image: String
    /// PersistentVolumeClaim shared by every pod (ReadWriteMany): scenario, parts, results.
    public var volumeClaim: String
    /// Namespace; nil: the one `kubectl` uses.
    public var namespace: String?
    /// Where the claim is mounted in each pod.
    public var mountPath: String
    /// CPU requested per pod (and threads the shard uses); nil: no request.
    public var cpusPerTask: Int?
    public init(image: String, volumeClaim: String, namespace: String? = nil, mountPath: String = "/data", cpusPerTask: Int? = nil) {
        self.image = image; self.volumeClaim = volumeClaim; self.namespace = namespace; self.mountPath = mountPath
        self.cpusPerTask = cpusPerTask
    }
}

/// A `ShardedJob` as Kubernetes batch/v1 manifests: an Indexed Job (`completionMode: Indexed`,
/// `completions` = `parallelism` = shards, each pod's `JOB_COMPLETION_INDEX` its shard) and a
/// join Job, to apply once the first completes (`kubectl wait --for=condition=complete`).
///
/// A failed pod is retried for its own index only (`backoffLimitPerIndex`, Kubernetes ≥ 1.33);
/// the join Job is not retried (`backoffLimit: 0`): it fails naming the missing parts.
/// Strings are written as JSON strings, which YAML reads unchanged.
public struct KubernetesManifests: Sendable {
    public var job: ShardedJob
    public var options: KubernetesOptions

    public init(job: ShardedJob, options: KubernetesOptions) { self.job = job; self.options = options }

    /// The Indexed Job's name (a DNS label).
    public var shardsJobName: String { ShardedJob.dnsLabel(job.name, limit: 57) }
    /// The join Job's name.
    public var joinJobName: String { shardsJobName + "-join" }

    /// The Indexed Job running every shard.
    public func indexedJob() -> String {
        let command = "exec " + ShardedJob.shellLine(job.shardCommand, shardVariable: "JOB_COMPLETION_INDEX")
        return manifest(name: shardsJobName, spec: [
            "  completionMode: Indexed",
            "  completions: \(job.shardCount)",
            "  parallelism: \(job.shardCount)",
            "  backoffLimitPerIndex: 2",
        ], container: "shard", command: command)
    }

    /// The Job joining the shards' parts into the final file.
    public func joinJob() -> String {
        manifest(name: joinJobName, spec: ["  backoffLimit: 0"], container: "join",
                 command: "exec " + ShardedJob.shellLine(job.joinCommand))
    }

    /// Both manifests as one YAML stream, the Indexed Job first.
    public func stream() -> String { indexedJob() + "---\n" + joinJob() }

    private func manifest(name: String, spec: [String], container: String, command: String) -> String {
        var lines = ["apiVersion: batch/v1", "kind: Job", "metadata:", "  name: \(q(name))"]
        if let ns = options.namespace { lines.append("  namespace: \(q(ns))") }
        lines += ["  labels:", "    app.kubernetes.io/name: swarmlab", "    swarmlab/job: \(q(shardsJobName))", "spec:"]
        lines += spec
        lines += [
            "  template:",
            "    metadata:",
            "      labels:",
            "        app.kubernetes.io/name: swarmlab",
            "    spec:",
            "      restartPolicy: Never",
            "      containers:",
            "        - name: \(container)",
            "          image: \(q(options.image))",
            "          command: [\"sh\", \"-c\", \(q(command))]",
            "          workingDir: \(q(options.mountPath))",
        ]
        if let c = options.cpusPerTask {
            lines += ["          resources:", "            requests:", "              cpu: \(q(String(c)))"]
        }
        lines += [
            "          volumeMounts:",
            "            - name: data",
            "              mountPath: \(q(options.mountPath))",
            "      volumes:",
            "        - name: data",
            "          persistentVolumeClaim:",
            "            claimName: \(q(options.volumeClaim))",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `s` as a JSON string (valid YAML, every character escaped as needed).
    private func q(_ s: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
