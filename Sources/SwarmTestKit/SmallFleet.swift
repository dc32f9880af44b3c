import SwarmKernel
import SwarmModel

/// The three regions scripted fleets use: names and UTC offsets (hours).
public let smallFleetRegions: [(name: String, utcOffsetHours: Double)] = [("eu", 1), ("us", -5), ("asia", 9)]

/// A small fleet for tests: `(class, region, count)` groups, devices numbered in the order
/// given (so the first group's devices are 0, 1, …). Classes are collected by name, first
/// use first; regions default to `smallFleetRegions`. Traps on an unknown region, since a
/// test fleet is code, not input.
///
///     let fleet = smallFleet((.laptop.alwaysOn(), "eu", 1), (.cloudVM, "eu", 1))
public func smallFleet(_ groups: (DeviceClass, String, Int)...,
                       regions: [(name: String, utcOffsetHours: Double)] = smallFleetRegions) -> Fleet {
    var classes: [DeviceClass] = []
    for (c, _, _) in groups where !classes.contains(where: { $0.name == c.name }) { classes.append(c) }
    do {
        return try Fleet(classes: classes, regions: regions,
                         mix: groups.map { Fleet.Share(className: $0.0.name, region: $0.1, count: $0.2) })
    } catch {
        preconditionFailure("smallFleet: \(error)")
    }
}

extension DeviceClass {
    /// This class under another name (a fleet's classes are told apart by name).
    public func named(_ name: String) -> DeviceClass {
        var c = self
        c.name = name
        return c
    }

    /// This class, never offline (no churn, no opt-in window).
    public func alwaysOn() -> DeviceClass {
        var c = self
        c.availability = .alwaysOn
        return c
    }

    /// This class with exponential ON and OFF periods (means in seconds) and no window;
    /// `initialOnProbability` 0 makes every device start offline.
    public func churning(onMean: Double, offMean: Double, initialOnProbability: Double? = nil) -> DeviceClass {
        var c = self
        c.availability = AvailabilityModel(source: .renewal(on: Exponential(mean: onMean), off: Exponential(mean: offMean)),
                                           initialOnProbability: initialOnProbability)
        return c
    }
}
