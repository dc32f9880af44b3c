/// What energy and data cost in one region: the electricity price and its carbon intensity
/// (for devices that pay their own electricity — volunteers — and for the carbon of every
/// device), and the price of a byte leaving the region.
///
/// Defaults, used where a scenario gives none:
/// - `electricityUSDPerKWh` = 0.15 $/kWh: the world-average household electricity price,
///   about 0.15–0.16 USD/kWh in 2023–2024 (GlobalPetrolPrices.com, "Electricity prices
///   around the world", https://www.globalpetrolprices.com/electricity_prices/).
/// - `carbonGramsPerKWh` = 480 gCO₂/kWh: the world-average carbon intensity of electricity
///   generation in 2023 (Ember, "Global Electricity Review 2024", p. 11,
///   https://ember-energy.org/latest-insights/global-electricity-review-2024/).
/// - `egressUSDPerGB` = 0.09 $/GB: AWS's price for data sent from EC2 to the internet, first
///   10 TB a month (https://aws.amazon.com/ec2/pricing/on-demand/, "Data Transfer"); Google
///   Cloud and Azure list 0.08–0.12 $/GB.
public struct RegionTariff: Sendable, Equatable {
    /// US dollars per kilowatt-hour of electricity.
    public var electricityUSDPerKWh: Double
    /// Grams of CO₂(-equivalent) emitted per kilowatt-hour consumed.
    public var carbonGramsPerKWh: Double
    /// US dollars per gigabyte (10⁹ bytes) leaving the region.
    public var egressUSDPerGB: Double

    public init(electricityUSDPerKWh: Double = RegionTariff.default.electricityUSDPerKWh,
                carbonGramsPerKWh: Double = RegionTariff.default.carbonGramsPerKWh,
                egressUSDPerGB: Double = RegionTariff.default.egressUSDPerGB) {
        precondition(electricityUSDPerKWh >= 0 && carbonGramsPerKWh >= 0 && egressUSDPerGB >= 0,
                     "tariffs must be ≥ 0")
        self.electricityUSDPerKWh = electricityUSDPerKWh
        self.carbonGramsPerKWh = carbonGramsPerKWh
        self.egressUSDPerGB = egressUSDPerGB
    }

    private init(_ e: Double, _ c: Double, _ g: Double) {
        electricityUSDPerKWh = e; carbonGramsPerKWh = c; egressUSDPerGB = g
    }

    /// The sourced defaults above.
    public static let `default` = RegionTariff(0.15, 480, 0.09)
}
