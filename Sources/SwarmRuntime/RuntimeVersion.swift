/// The wire protocol's version: a worker and a coordinator of different versions refuse
/// each other rather than misread frames. 2 added `abandon` (kind 8): a worker stopped during
/// an attempt gives it up instead of returning its result.
public let runtimeProtocolVersion: UInt16 = 2
