//! Amounts of money (balances, credit, prices) in fixed point.
//!
//! Prices such as 0.0416 EUR per SMS are summed over hundreds of thousands of
//! messages; floating point would drift, so amounts are kept as whole
//! millionths of the currency unit and only turned into JSON numbers at the
//! edge.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Millionths of a currency unit per unit.
const MICROS_PER_UNIT: f64 = 1_000_000.0;

/// An amount of money, positive or negative, in millionths of a unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    /// Rounds a decimal amount to the nearest millionth.
    pub fn from_units(units: f64) -> Money {
        Money((units * MICROS_PER_UNIT).round() as i64)
    }

    pub fn from_micros(micros: i64) -> Money {
        Money(micros)
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    pub fn units(self) -> f64 {
        self.0 as f64 / MICROS_PER_UNIT
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.units())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let units = f64::deserialize(deserializer)?;
        if !units.is_finite() || units.abs() > 1e12 {
            return Err(serde::de::Error::custom("amount out of range"));
        }
        Ok(Money::from_units(units))
    }
}

/// The billing currencies iP.1 and Viamobile use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Currency {
    #[default]
    #[serde(rename = "SEK", alias = "sek")]
    Sek,
    #[serde(rename = "EUR", alias = "eur")]
    Eur,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Sek => "SEK",
            Currency::Eur => "EUR",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_to_millionths_and_sum_exactly() {
        let unit = Money::from_units(0.0416);
        let total = (0..100_000).fold(Money::ZERO, |sum, _| sum + unit);
        assert_eq!(total, Money::from_units(4160.0));
        assert_eq!(Money::from_units(0.1234567).micros(), 123_457);
    }

    #[test]
    fn money_is_a_json_number() {
        assert_eq!(serde_json::to_string(&Money::from_units(12.5)).unwrap(), "12.5");
        let parsed: Money = serde_json::from_str("-3.25").unwrap();
        assert_eq!(parsed, Money::from_units(-3.25));
        assert!(serde_json::from_str::<Money>("1e300").is_err());
    }
}
