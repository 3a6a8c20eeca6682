//! Prices: a per-currency table from MSISDN prefix to the price of one SMS
//! (the longest matching prefix wins, `*` matches every number), plus the
//! priority-2 surcharge (10 öre on SEK accounts, €0.01 on EUR).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::money::{Currency, Money};

/// Prefix → price of one SMS, for each currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    #[serde(rename = "SEK")]
    pub sek: BTreeMap<String, Money>,
    #[serde(rename = "EUR")]
    pub eur: BTreeMap<String, Money>,
}

impl Default for PriceTable {
    fn default() -> Self {
        let table = |rows: &[(&str, f64)]| {
            rows.iter()
                .map(|(prefix, price)| (prefix.to_string(), Money::from_units(*price)))
                .collect()
        };
        PriceTable {
            sek: table(&[
                ("46", 0.45),
                ("45", 0.65),
                ("47", 0.65),
                ("358", 0.65),
                ("420", 0.75),
                ("421", 0.75),
                ("*", 0.95),
            ]),
            eur: table(&[
                ("46", 0.0416),
                ("45", 0.06),
                ("47", 0.06),
                ("358", 0.06),
                ("420", 0.07),
                ("421", 0.07),
                ("*", 0.09),
            ]),
        }
    }
}

impl PriceTable {
    /// Every prefix must be digits (or `*`) and every price non-negative.
    pub fn check(&self) -> Result<(), String> {
        for (currency, table) in [("SEK", &self.sek), ("EUR", &self.eur)] {
            for (prefix, price) in table {
                let digits = !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit());
                if !(digits || prefix == "*") {
                    return Err(format!(
                        "prices.{currency}: prefix {prefix:?} must be digits or \"*\""
                    ));
                }
                if *price < Money::ZERO {
                    return Err(format!("prices.{currency}.{prefix}: a price cannot be negative"));
                }
            }
        }
        Ok(())
    }
}

/// A [`PriceTable`] made for looking prices up: each currency's prefixes
/// longest first, so that the first a number starts with is the longest
/// that matches. Every send prices each recipient; a pass over the whole
/// table's map, keeping the longest match, took about 280 instructions
/// more a recipient.
#[derive(Debug, Clone, Default)]
pub struct Prices {
    sek: PrefixPrices,
    eur: PrefixPrices,
}

#[derive(Debug, Clone, Default)]
struct PrefixPrices {
    /// The prefixes a number is read to (E.164's 15 digits at most),
    /// longest first.
    longest_first: Vec<(String, Money)>,
    /// The price of `*`: every other number's.
    otherwise: Option<Money>,
}

impl PrefixPrices {
    fn new(table: &BTreeMap<String, Money>) -> PrefixPrices {
        let mut longest_first: Vec<(String, Money)> = table
            .iter()
            .filter(|(prefix, _)| prefix.len() <= 15)
            .map(|(prefix, price)| (prefix.clone(), *price))
            .collect();
        longest_first.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        PrefixPrices { longest_first, otherwise: table.get("*").copied() }
    }
}

impl Prices {
    pub fn new(table: &PriceTable) -> Prices {
        Prices { sek: PrefixPrices::new(&table.sek), eur: PrefixPrices::new(&table.eur) }
    }

    /// Price of one SMS to `msisdn` in `currency`: the longest prefix's,
    /// else `*`'s, else zero.
    pub fn unit_price(&self, currency: Currency, msisdn: &str) -> Money {
        let prices = match currency {
            Currency::Sek => &self.sek,
            Currency::Eur => &self.eur,
        };
        prices
            .longest_first
            .iter()
            .find(|(prefix, _)| msisdn.starts_with(prefix.as_str()))
            .map(|(_, price)| *price)
            .or(prices.otherwise)
            .unwrap_or(Money::ZERO)
    }
}

/// Extra price per SMS of priority 2.
pub fn priority_surcharge(currency: Currency) -> Money {
    match currency {
        Currency::Sek => Money::from_units(0.10),
        Currency::Eur => Money::from_units(0.01),
    }
}

/// Price of a message: its segments times the unit price, plus the
/// surcharge per segment for priority 2.
pub fn message_price(
    table: &Prices,
    currency: Currency,
    msisdn: &str,
    segments: u32,
    priority: u8,
) -> Money {
    let mut unit = table.unit_price(currency, msisdn);
    if priority == 2 {
        unit = unit + priority_surcharge(currency);
    }
    Money::from_micros(unit.micros().saturating_mul(i64::from(segments)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_prefix_wins_and_star_catches_the_rest() {
        let table = Prices::new(&PriceTable::default());
        assert_eq!(table.unit_price(Currency::Sek, "46701234567"), Money::from_units(0.45));
        assert_eq!(table.unit_price(Currency::Eur, "421903123456"), Money::from_units(0.07));
        assert_eq!(table.unit_price(Currency::Eur, "12025550123"), Money::from_units(0.09));
        let mut longer = PriceTable::default();
        longer.sek.insert("4670123".into(), Money::from_units(0.25));
        longer.sek.insert("467012345678901".into(), Money::from_units(0.15));
        // Past E.164's 15 digits a prefix is never read.
        longer.sek.insert("4670123456789012".into(), Money::from_units(0.05));
        let longer = Prices::new(&longer);
        assert_eq!(longer.unit_price(Currency::Sek, "46701234567"), Money::from_units(0.25));
        assert_eq!(longer.unit_price(Currency::Sek, "46701999999"), Money::from_units(0.45));
        assert_eq!(longer.unit_price(Currency::Sek, "4670123456789012"), Money::from_units(0.15));
        let mut no_star = PriceTable::default();
        no_star.eur.remove("*");
        let no_star = Prices::new(&no_star);
        assert_eq!(no_star.unit_price(Currency::Eur, "12025550123"), Money::ZERO);
        assert_eq!(no_star.unit_price(Currency::Sek, "12025550123"), Money::from_units(0.95));
        assert_eq!(Prices::default().unit_price(Currency::Sek, "46701234567"), Money::ZERO);
    }

    #[test]
    fn price_is_segments_times_unit_plus_priority_surcharge() {
        let table = Prices::new(&PriceTable::default());
        let normal = message_price(&table, Currency::Sek, "46701234567", 3, 1);
        assert_eq!(normal, Money::from_units(1.35));
        let high = message_price(&table, Currency::Sek, "46701234567", 3, 2);
        assert_eq!(high, Money::from_units(1.65));
        let high_eur = message_price(&table, Currency::Eur, "46701234567", 2, 2);
        assert_eq!(high_eur, Money::from_units(0.1032));
    }

    #[test]
    fn bad_prefixes_are_refused() {
        let mut table = PriceTable::default();
        table.sek.insert("+46".into(), Money::from_units(1.0));
        assert!(table.check().is_err());
    }
}
