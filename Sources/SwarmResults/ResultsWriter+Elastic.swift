import SwarmModel

extension ResultsWriter {
    /// `/elastic` (`ResultsSchema.elastic`: the pools' scale events) and `/pools`
    /// (`ResultsSchema.pools`: each pool's bill, `bills` in pool order) in `group` (nil: the root).
    public func writeElastic(_ e: ElasticPools, bills: [PoolBill], group: String?) throws(ResultsError) {
        precondition(bills.count == e.pools.count, "one bill per pool")
        try writeTable(ResultsSchema.elastic, in: group, [
            .double("time", e.eventTime.map { Double($0) / 1e9 }, units: "s"),
            .uint16("pool", e.eventPool, units: "code"),
            .uint8("event", e.eventKind, units: "code"),
            .uint32("devices", e.eventDevices, units: "1"),
            .uint32("size", e.eventSize, units: "1"),
            .uint32("up", e.eventUp, units: "1"),
            .uint32("desired", e.eventDesired, units: "1"),
        ])
        let prefix = group.map { "/\($0)/" } ?? "/"
        let names = e.pools.map(\.name)
        try setAttribute("pool_names", names, on: prefix + "elastic")
        try setAttribute("event_names", ElasticPools.Event.allCases.map(\.name), on: prefix + "elastic")
        try writeTable(ResultsSchema.pools, in: group, [
            .uint16("pool", (0..<UInt16(e.pools.count)).map { $0 }, units: "code"),
            .uint32("min", e.pools.map { UInt32($0.minSize) }, units: "1"),
            .uint32("max", e.pools.map { UInt32($0.maxSize) }, units: "1"),
            .uint32("peak", bills.map { UInt32($0.peakSize) }, units: "1"),
            .uint32("scale_ups", bills.map { UInt32($0.scaleUps) }, units: "1"),
            .uint32("scale_downs", bills.map { UInt32($0.scaleDowns) }, units: "1"),
            .double("provisioned_hours", bills.map { $0.provisionedSeconds / 3600 }, units: "h"),
            .double("billed_hours", bills.map { $0.billedSeconds / 3600 }, units: "h"),
            .double("cost", bills.map(\.usd), units: "USD"),
        ])
        try setAttribute("pool_names", names, on: prefix + "pools")
    }
}
