import ArgumentParser
import Foundation
import SwarmLab
import SwarmScenario

/// `swarmlab sweep --slurm | --k8s | --join`: the sweep on a cluster (docs/cluster.md).
extension SweepCommand {
    func validateCluster() throws {
        if slurm && k8s { throw ValidationError("--slurm and --k8s exclude each other") }
        if (slurm || k8s || join) && shard != nil { throw ValidationError("--shard is for one task; --slurm, --k8s and --join handle every shard") }
        if join && (slurm || k8s) { throw ValidationError("--join is what the cluster's join job runs; give it alone") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1, found \(shards)") }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1, found \(cpusPerTask)") }
        if dryRun && !(slurm || k8s) { throw ValidationError("--dry-run goes with --slurm or --k8s") }
        if !slurm && (partition != nil || time != nil) { throw ValidationError("--partition and --time go with --slurm") }
        if !k8s && (image != nil || volumeClaim != nil || namespace != nil) { throw ValidationError("--image, --volume-claim and --namespace go with --k8s") }
        if k8s && (image == nil || volumeClaim == nil) { throw ValidationError("--k8s needs --image and --volume-claim") }
    }

    func runOnCluster(_ s: Scenario, options: SweepRunner.Options) throws {
        if join {
            let outcome = try exitOnFailure { try SweepCluster.join(s, options: options, shardCount: shards) }
            guard let outcome else { print("\(options.output) is already joined"); return }
            print("\n\(s.name): \(outcome.plan.points.count) point(s), \(outcome.results.count) run(s) joined\n")
            print(outcome.summary.table())
            print("\nResults written to \(options.output)")
            return
        }
        let plan = SweepPlan(s, replications: replications)
        let count = min(shards ?? min(plan.runs.count, 100), plan.runs.count)
        if k8s { return try writeManifests(s, output: options.output, shardCount: count) }

        let job = SweepCluster.job(name: s.name, executable: SlurmSubmit.executablePath, scenarioPath: scenario, output: options.output,
                                   replications: replications, allowPaths: paths.allowPaths, shardCount: count, threads: cpusPerTask ?? 1)
        let step = try exitOnFailure {
            try SweepCluster.slurmStep(s, job: job, output: options.output, replications: replications,
                                       options: SlurmOptions(partition: partition, time: time, cpusPerTask: cpusPerTask), checkQueue: !dryRun)
        }
        try SlurmSubmit.perform(step, output: options.output, shardCount: count, dryRun: dryRun)
    }

    func writeManifests(_ s: Scenario, output: String, shardCount: Int) throws {
        let options = KubernetesOptions(image: image!, volumeClaim: volumeClaim!, namespace: namespace, cpusPerTask: cpusPerTask)
        // In the pods the scenario and the results are on the claim, at the mount path.
        let inPod = { (path: String) in options.mountPath + "/" + URL(fileURLWithPath: path).lastPathComponent }
        // Allowed folders: a relative one is on the claim under the pod's working directory
        // (the mount path); an absolute one must exist as such in the pod (image or claim).
        let allowedInPod = paths.allowPaths.map { $0.hasPrefix("/") ? $0 : options.mountPath + "/" + $0 }
        let job = SweepCluster.job(name: s.name, executable: "swarmlab", scenarioPath: inPod(scenario), output: inPod(output),
                                   replications: replications, allowPaths: allowedInPod, shardCount: shardCount,
                                   threads: cpusPerTask ?? 1)
        let manifests = KubernetesManifests(job: job, options: options)
        if dryRun { print(manifests.stream(), terminator: ""); return }
        let folder = output + ".k8s"
        try exitOnFailure {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try manifests.indexedJob().write(toFile: folder + "/shards-job.yaml", atomically: true, encoding: .utf8)
            try manifests.joinJob().write(toFile: folder + "/join-job.yaml", atomically: true, encoding: .utf8)
        }
        let ns = namespace.map { " -n \($0)" } ?? ""
        print("""
        Wrote \(folder)/shards-job.yaml (Indexed Job, \(shardCount) pods) and \(folder)/join-job.yaml.
        Copy \(scenario) to the claim \(volumeClaim!) as \(inPod(scenario)), then:
          kubectl\(ns) apply -f \(folder)/shards-job.yaml
          kubectl\(ns) wait --for=condition=complete --timeout=24h job/\(manifests.shardsJobName)
          kubectl\(ns) apply -f \(folder)/join-job.yaml
        The results are \(inPod(output)) on the claim.
        """)
    }
}
