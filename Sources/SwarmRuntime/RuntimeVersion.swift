/// The wire protocol's version: a worker and a coordinator of different versions refuse
/// each other rather than misread frames.
public let runtimeProtocolVersion: UInt16 = 1
