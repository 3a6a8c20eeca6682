//! The fixtures file: accounts the emulator starts with.
//!
//! `fixtures/default.json` is compiled into the binary, so the emulator (and
//! its container image) runs without any file; `--fixtures PATH` replaces it.
//! A file that cannot be read, parsed or accepted stops start-up with a
//! message naming the file and the problem.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::account::{
    AccountError, Ip1AccountSpec, NewAccountDefaults, ViamobileAccountSpec, check_credential,
    is_ip1_account_id,
};
use crate::domain::lifecycle::{MagicNumber, Timing};
use crate::domain::pricing::PriceTable;
use crate::faults::FaultSpec;

/// The default fixtures, shipped in the repository and in the binary.
pub const DEFAULT_FIXTURES: &str = include_str!("../fixtures/default.json");

/// The whole fixtures document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixtures {
    #[serde(default)]
    pub ip1: Ip1Fixtures,
    #[serde(default)]
    pub viamobile: ViamobileFixtures,
    #[serde(default)]
    pub new_accounts: NewAccountDefaults,
    /// Price of one SMS by MSISDN prefix, per currency.
    #[serde(default)]
    pub prices: PriceTable,
    /// Delays of the message status path.
    #[serde(default)]
    pub lifecycle: Timing,
    /// Numbers whose messages always end one way; replaces the defaults.
    #[serde(default = "MagicNumber::defaults")]
    pub magic_numbers: Vec<MagicNumber>,
    /// Fault rules on the gateway APIs to start with.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ip1Fixtures {
    #[serde(default)]
    pub accounts: Vec<Ip1AccountSpec>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ViamobileFixtures {
    #[serde(default)]
    pub accounts: Vec<ViamobileAccountSpec>,
}

/// Why a fixtures file was refused; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum FixturesError {
    #[error("cannot read fixtures file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("fixtures file {path} is not valid: {source}")]
    Parse { path: PathBuf, source: serde_json::Error },
    #[error("fixtures file {path} is not valid: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

/// Reads a `--faults` file: a JSON array of fault rules.
pub fn load_faults(path: &Path) -> Result<Vec<FaultSpec>, FixturesError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| FixturesError::Read { path: path.to_owned(), source })?;
    let faults: Vec<FaultSpec> = serde_json::from_str(&text)
        .map_err(|source| FixturesError::Parse { path: path.to_owned(), source })?;
    for (index, fault) in faults.iter().enumerate() {
        fault.check().map_err(|problem| FixturesError::Invalid {
            path: path.to_owned(),
            problem: format!("[{index}]: {problem}"),
        })?;
    }
    Ok(faults)
}

impl Fixtures {
    /// The fixtures compiled into the binary.
    pub fn builtin() -> Fixtures {
        Fixtures::parse(DEFAULT_FIXTURES, Path::new("fixtures/default.json"))
            .unwrap_or_else(|err| unreachable!("the shipped default fixtures are valid: {err}"))
    }

    /// Reads and checks a fixtures file.
    pub fn load(path: &Path) -> Result<Fixtures, FixturesError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| FixturesError::Read { path: path.to_owned(), source })?;
        Fixtures::parse(&text, path)
    }

    /// Parses and checks fixtures text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Fixtures, FixturesError> {
        let fixtures: Fixtures = serde_json::from_str(text)
            .map_err(|source| FixturesError::Parse { path: path.to_owned(), source })?;
        fixtures
            .check()
            .map_err(|problem| FixturesError::Invalid { path: path.to_owned(), problem })?;
        Ok(fixtures)
    }

    /// Rules that serde cannot express: ids, keys and usernames must be
    /// present, well-formed and unique.
    fn check(&self) -> Result<(), String> {
        self.prices.check()?;
        for (index, fault) in self.faults.iter().enumerate() {
            fault.check().map_err(|problem| format!("faults[{index}]: {problem}"))?;
        }
        for (index, magic) in self.magic_numbers.iter().enumerate() {
            let digits = magic.number.strip_suffix('*').unwrap_or(&magic.number);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "magicNumbers[{index}]: {:?} must be digits, optionally ending in *",
                    magic.number
                ));
            }
        }
        let mut names = HashSet::new();
        let mut keys = HashSet::new();
        for (index, account) in self.ip1.accounts.iter().enumerate() {
            let at = format!("ip1.accounts[{index}]");
            let id = account.id.as_deref().ok_or(format!("{at}: `id` is required"))?;
            if !is_ip1_account_id(id) {
                return Err(format!("{at}: {}", AccountError::InvalidIp1Id(id.to_owned())));
            }
            if !names.insert(id) {
                return Err(format!("{at}: account id {id:?} appears twice"));
            }
            if account.api_keys.is_empty() {
                return Err(format!("{at}: `apiKeys` needs at least one key"));
            }
            for key in &account.api_keys {
                check_credential(key, "an API key").map_err(|err| format!("{at}: {err}"))?;
                if !keys.insert(key.as_str()) {
                    return Err(format!("{at}: API key {key:?} is used twice"));
                }
            }
        }
        for (index, account) in self.viamobile.accounts.iter().enumerate() {
            let at = format!("viamobile.accounts[{index}]");
            let username =
                account.username.as_deref().ok_or(format!("{at}: `username` is required"))?;
            if account.password.is_none() {
                return Err(format!("{at}: `password` is required"));
            }
            if !names.insert(username) {
                return Err(format!("{at}: account name {username:?} appears twice"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_default_fixtures_are_valid() {
        let fixtures = Fixtures::builtin();
        assert!(!fixtures.ip1.accounts.is_empty());
        assert!(!fixtures.viamobile.accounts.is_empty());
    }

    #[test]
    fn the_shipped_defaults_spell_out_the_built_in_ones() {
        let fixtures = Fixtures::builtin();
        assert_eq!(fixtures.magic_numbers, MagicNumber::defaults());
        assert_eq!(fixtures.lifecycle, Timing::default());
        assert_eq!(fixtures.prices, PriceTable::default());
    }

    #[test]
    fn problems_name_the_file_and_the_place() {
        let path = Path::new("my.json");
        let err = Fixtures::parse(r#"{"ip1":{"accounts":[{"id":"x1","apiKeys":["k"]}]}}"#, path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("my.json") && err.contains("ip1.accounts[0]"), "{err}");
        let err = Fixtures::parse(r#"{"ip1": {"acounts": []}}"#, path).unwrap_err().to_string();
        assert!(err.contains("my.json") && err.contains("unknown field `acounts`"), "{err}");
        let two = r#"{"ip1":{"accounts":[{"id":"ip1-1","apiKeys":["k"]},{"id":"ip1-2","apiKeys":["k"]}]}}"#;
        let err = Fixtures::parse(two, path).unwrap_err().to_string();
        assert!(err.contains("used twice"), "{err}");
    }
}
