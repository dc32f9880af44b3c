/// `scenarios/quickstart.yaml`, embedded so `swarmlab run` without arguments works from any
/// folder. A test checks it is the file, byte for byte; copy the file here when it changes.
extension Scenario {
    public static let quickstartPath = "scenarios/quickstart.yaml"

    public static let quickstartText = """
# Swarmlab quickstart: 100,000 volunteer and edge devices over three regions run a mixed
# AI workload (a batch of GEMM tasks and a stream of inference requests) for a simulated
# day, once under `random` and once under `availability-aware`, on the same seed.
version: 1
name: quickstart
seed: 42
duration: 24h
heartbeat_timeout: 2min
regions:
  - { name: eu, utc_offset: 1 }
  - { name: us, utc_offset: -5 }
  - { name: asia, utc_offset: 8 }
fleet:
  - { class: desktop, region: eu, count: 20000 }
  - { class: laptop, region: eu, count: 10000 }
  - { class: phone, region: eu, count: 5000 }
  - { class: desktop, region: us, count: 20000 }
  - { class: laptop, region: us, count: 10000 }
  - { class: phone, region: us, count: 5000 }
  - { class: desktop, region: asia, count: 15000 }
  - { class: phone, region: asia, count: 10000 }
  - { class: edge-box, region: asia, count: 4900 }
  - { class: cloud-vm, region: eu, count: 100 }
workloads:
  - bag:
      tasks: 50000
      work: { gemm: { m: 4096, n: 4096, k: 4096 } }
      input: 200MB
      output: 64MB
      data_region: eu
  - requests:
      rate: 2/s
      count: 20000
      work: { gemm: { m: 64, n: 8192, k: 8192, dtype: fp16 } }
      input: 1MB
      output: 256kB
      slo: 5s
policies: [random, availability-aware]

"""
}
