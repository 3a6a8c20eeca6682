//! Accounts of both gateways: what a fixture or the control API may say
//! about a new account (the `*Spec` types) and what is stored (`*Profile`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::money::{Currency, Money};
use super::msisdn::Msisdn;
use super::sender::{normalize_ip1_sender, normalize_viamobile_sender};

/// The two emulated gateways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Gateway {
    Ip1,
    Viamobile,
}

impl Gateway {
    /// `ip1` or `viamobile`, as the control API and fault rules name them.
    pub fn as_str(self) -> &'static str {
        match self {
            Gateway::Ip1 => "ip1",
            Gateway::Viamobile => "viamobile",
        }
    }

    /// The gateway [`Gateway::as_str`] names.
    pub fn parse(name: &str) -> Option<Gateway> {
        match name {
            "ip1" => Some(Gateway::Ip1),
            "viamobile" => Some(Gateway::Viamobile),
            _ => None,
        }
    }
}

/// iP.1's two account types, spelled as iP.1 answers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Ip1AccountType {
    #[default]
    #[serde(rename = "Swedish", alias = "swedish")]
    Swedish,
    #[serde(rename = "international", alias = "International")]
    International,
}

/// A stored iP.1 account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ip1Profile {
    /// `ip1-` followed by digits.
    pub id: String,
    pub name: String,
    pub organization: String,
    /// Every key authenticates as this account; an account may own several.
    pub api_keys: Vec<String>,
    pub account_type: Ip1AccountType,
    pub currency: Currency,
    pub balance: Money,
    /// Registered senders with when they were registered; `iP1` and
    /// `iP1sms` come pre-registered.
    pub senders: BTreeMap<String, DateTime<Utc>>,
    /// The parent's account id, for sub-accounts.
    pub parent: Option<String>,
    /// The account's virtual number, which incoming SMS are sent to.
    pub virtual_number: Option<Msisdn>,
    /// The `IncomingCallbackUrl` setting; `None` = off.
    pub incoming_callback_url: Option<String>,
}

/// A stored Viamobile BSMS account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ViamobileProfile {
    pub username: String,
    pub password: String,
    /// Sender ids the account may use (others answer 1012).
    pub senders: BTreeSet<String>,
    /// Prepaid credit in EUR.
    pub credit: Money,
    /// Most SMS parts per local (Europe/Bratislava) day, for `/stats/limit`.
    pub daily_limit: u32,
    /// When false every send answers 2001.
    pub sending_enabled: bool,
    /// When false `/json/msisdnstatus` answers 1010.
    pub msisdn_status_enabled: bool,
    /// When false prices are `null` (no per-SMS price set up).
    pub prices_enabled: bool,
    /// Operator codes the account may send to; `None` = all.
    pub allowed_networks: Option<Vec<u32>>,
    /// Where delivery pushes go (agreed with Viamobile); `None` = no pushes.
    pub delivery_push_url: Option<String>,
    /// Where incoming SMS are pushed; `None` = no pushes.
    pub incoming_push_url: Option<String>,
    /// The HMAC-SHA1 key of the incoming-SMS `hash`.
    pub hmac_key: String,
    /// The account's long number, which incoming SMS are sent to (the
    /// push's `address`).
    #[serde(default)]
    pub virtual_number: Option<Msisdn>,
    /// Successful answers carry `"status": "200"` instead of `200`, as some
    /// client libraries expect.
    #[serde(default)]
    pub status_as_string: bool,
    /// The delivery push reports `waiting` when a message is sent, not
    /// only its final state.
    #[serde(default)]
    pub push_waiting: bool,
    /// Parts sent today, against `daily_limit`.
    pub usage: DailyUsage,
}

/// SMS parts a Viamobile account sent on one local day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyUsage {
    day: Option<NaiveDate>,
    sent: u32,
}

impl DailyUsage {
    /// Parts sent on `today`; a count from an earlier day no longer counts.
    pub fn sent_on(&self, today: NaiveDate) -> u32 {
        if self.day == Some(today) { self.sent } else { 0 }
    }

    /// Adds parts sent on `today`, starting a new count on a new day.
    pub fn record(&mut self, today: NaiveDate, parts: u32) {
        let sent = self.sent_on(today).saturating_add(parts);
        *self = DailyUsage { day: Some(today), sent };
    }
}

/// What may be said about a new iP.1 account; anything left out comes from
/// [`NewAccountDefaults`] or is generated.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ip1AccountSpec {
    /// `ip1-` and digits; generated when absent.
    #[schema(pattern = r"^ip1-[0-9]+$")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub organization: Option<String>,
    /// Each 1 to 32 visible characters; one is generated when none is
    /// given.
    #[serde(default)]
    #[schema(value_type = Vec<Credential>)]
    pub api_keys: Vec<String>,
    #[serde(rename = "type")]
    pub account_type: Option<Ip1AccountType>,
    pub currency: Option<Currency>,
    pub balance: Option<Money>,
    /// Alphanumeric, 3 to 11 characters, or 3 to 15 digits.
    #[schema(value_type = Option<Vec<Ip1Sender>>)]
    pub senders: Option<Vec<String>>,
    /// The parent account's id, for a sub-account.
    pub parent: Option<String>,
    /// The number incoming SMS are addressed to.
    #[schema(pattern = r"^\+?[1-9][0-9]{7,14}$")]
    pub virtual_number: Option<String>,
    /// The `IncomingCallbackUrl` setting to start with: an absolute
    /// http(s) URL.
    #[schema(pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+")]
    pub incoming_callback_url: Option<String>,
}

/// What may be said about a new Viamobile account.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ViamobileAccountSpec {
    /// 1 to 32 visible characters; generated when absent.
    #[schema(pattern = r"^[^\s\x00-\x1f\x7f-\x9f]{1,32}$")]
    pub username: Option<String>,
    /// 1 to 32 visible characters; generated when absent.
    #[schema(pattern = r"^[^\s\x00-\x1f\x7f-\x9f]{1,32}$")]
    pub password: Option<String>,
    /// At most 11 characters and not digits only.
    #[schema(value_type = Option<Vec<ViamobileSender>>)]
    pub senders: Option<Vec<String>>,
    pub credit: Option<Money>,
    #[schema(value_type = Option<u64>, maximum = 4_294_967_295_u64)]
    pub daily_limit: Option<u32>,
    pub sending_enabled: Option<bool>,
    pub msisdn_status_enabled: Option<bool>,
    pub prices_enabled: Option<bool>,
    /// MCC+MNC codes.
    #[schema(value_type = Option<Vec<NetworkCode>>)]
    pub allowed_networks: Option<Vec<u32>>,
    /// An absolute http(s) URL.
    #[schema(pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+")]
    pub delivery_push_url: Option<String>,
    /// An absolute http(s) URL.
    #[schema(pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+")]
    pub incoming_push_url: Option<String>,
    pub hmac_key: Option<String>,
    /// The number incoming SMS are addressed to.
    #[schema(pattern = r"^\+?[1-9][0-9]{7,14}$")]
    pub virtual_number: Option<String>,
    /// Answer `"status": "200"` (a string) on success; default: no, or
    /// what `--viamobile-status-as-string` says.
    pub status_as_string: Option<bool>,
    /// Push `waiting` at submit time too; default: final states only, or
    /// what `--viamobile-push-waiting` says.
    pub push_waiting: Option<bool>,
}

/// Values for accounts created without them: at run time through the
/// control API, or on first use with `--accept-any-credentials`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NewAccountDefaults {
    pub ip1: Ip1Defaults,
    pub viamobile: ViamobileDefaults,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ip1Defaults {
    /// `Name` and `Organization` of accounts that do not say: never empty,
    /// as a real account's are not.
    pub name: String,
    pub organization: String,
    #[serde(rename = "type")]
    pub account_type: Ip1AccountType,
    pub currency: Currency,
    pub balance: Money,
    pub senders: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ViamobileDefaults {
    pub senders: Vec<String>,
    pub credit: Money,
    pub daily_limit: u32,
    pub status_as_string: bool,
    pub push_waiting: bool,
}

impl Default for Ip1Defaults {
    fn default() -> Self {
        Ip1Defaults {
            name: "Test account".to_owned(),
            organization: "Test organization AB".to_owned(),
            account_type: Ip1AccountType::Swedish,
            currency: Currency::Sek,
            balance: Money::from_units(1000.0),
            // As the default fixtures' accounts: a test's account made on
            // first use sends from the same names.
            senders: vec!["Acme".to_owned(), "46101606060".to_owned()],
        }
    }
}

impl Default for ViamobileDefaults {
    fn default() -> Self {
        ViamobileDefaults {
            senders: vec![super::sender::VIAMOBILE_DEFAULT_SENDER.to_owned(), "Acme".to_owned()],
            credit: Money::from_units(100.0),
            daily_limit: 400,
            status_as_string: false,
            push_waiting: false,
        }
    }
}

/// Why an account description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("iP.1 account id {0:?} must be `ip1-` followed by digits")]
    InvalidIp1Id(String),
    #[error("{0:?} is not a valid sender")]
    InvalidSender(String),
    #[error("{0} must be 1 to 32 characters without spaces")]
    InvalidCredential(&'static str),
    #[error("{0} is already taken")]
    Taken(String),
    #[error("{0}")]
    Invalid(String),
}

/// The senders every iP.1 account has, even a trial account.
pub const IP1_PREREGISTERED_SENDERS: [&str; 2] = ["iP1", "iP1sms"];

/// True for `ip1-` followed by one or more digits.
pub fn is_ip1_account_id(id: &str) -> bool {
    id.strip_prefix("ip1-")
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks a `virtualNumber`: a plausible MSISDN.
fn virtual_number(raw: Option<String>) -> Result<Option<Msisdn>, AccountError> {
    raw.map(|raw| {
        Msisdn::plausible(&raw)
            .map_err(|_| AccountError::Invalid(format!("virtualNumber {raw:?} is not an MSISDN")))
    })
    .transpose()
}

/// Checks a key, username or password: 1 to 32 visible characters.
pub fn check_credential(value: &str, what: &'static str) -> Result<(), AccountError> {
    let visible = value.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if (1..=32).contains(&value.chars().count()) && visible {
        Ok(())
    } else {
        Err(AccountError::InvalidCredential(what))
    }
}

impl Ip1AccountSpec {
    /// Builds the stored account; `id` and `api_keys` are already chosen
    /// (and checked for uniqueness) by the store.
    pub fn into_profile(
        self,
        id: String,
        api_keys: Vec<String>,
        defaults: &Ip1Defaults,
    ) -> Result<Ip1Profile, AccountError> {
        if !is_ip1_account_id(&id) {
            return Err(AccountError::InvalidIp1Id(id));
        }
        for key in &api_keys {
            check_credential(key, "an iP.1 API key")?;
        }
        let listed = self.senders.unwrap_or_else(|| defaults.senders.clone());
        let now = Utc::now();
        let mut senders: BTreeMap<String, DateTime<Utc>> =
            IP1_PREREGISTERED_SENDERS.iter().map(|s| (s.to_string(), now)).collect();
        for sender in listed {
            let normalized =
                normalize_ip1_sender(&sender).map_err(|_| AccountError::InvalidSender(sender))?;
            senders.insert(normalized, now);
        }
        let virtual_number = virtual_number(self.virtual_number)?;
        if let Some(url) = &self.incoming_callback_url
            && !crate::http::is_absolute_http_url(url)
        {
            return Err(AccountError::Invalid(format!(
                "incomingCallbackUrl {url:?} is not an absolute http(s) URL"
            )));
        }
        Ok(Ip1Profile {
            name: self.name.unwrap_or_else(|| defaults.name.clone()),
            organization: self.organization.unwrap_or_else(|| defaults.organization.clone()),
            id,
            api_keys,
            account_type: self.account_type.unwrap_or(defaults.account_type),
            currency: self.currency.unwrap_or(defaults.currency),
            balance: self.balance.unwrap_or(defaults.balance),
            senders,
            parent: self.parent,
            virtual_number,
            incoming_callback_url: self.incoming_callback_url,
        })
    }
}

impl ViamobileAccountSpec {
    /// Builds the stored account with the chosen username and password.
    pub fn into_profile(
        self,
        username: String,
        password: String,
        defaults: &ViamobileDefaults,
    ) -> Result<ViamobileProfile, AccountError> {
        check_credential(&username, "a Viamobile username")?;
        check_credential(&password, "a Viamobile password")?;
        let virtual_number = virtual_number(self.virtual_number)?;
        for url in [&self.delivery_push_url, &self.incoming_push_url].into_iter().flatten() {
            if !crate::http::is_absolute_http_url(url) {
                return Err(AccountError::Invalid(format!(
                    "{url:?} is not an absolute http(s) URL"
                )));
            }
        }
        let listed = self.senders.unwrap_or_else(|| defaults.senders.clone());
        let mut senders = BTreeSet::new();
        for sender in listed {
            let normalized = normalize_viamobile_sender(&sender)
                .map_err(|_| AccountError::InvalidSender(sender))?;
            senders.insert(normalized);
        }
        Ok(ViamobileProfile {
            username,
            password,
            senders,
            credit: self.credit.unwrap_or(defaults.credit),
            daily_limit: self.daily_limit.unwrap_or(defaults.daily_limit),
            sending_enabled: self.sending_enabled.unwrap_or(true),
            msisdn_status_enabled: self.msisdn_status_enabled.unwrap_or(true),
            prices_enabled: self.prices_enabled.unwrap_or(true),
            allowed_networks: self.allowed_networks,
            delivery_push_url: self.delivery_push_url,
            incoming_push_url: self.incoming_push_url,
            hmac_key: self.hmac_key.unwrap_or_else(|| "smsmock-hmac-key".to_owned()),
            virtual_number,
            status_as_string: self.status_as_string.unwrap_or(defaults.status_as_string),
            push_waiting: self.push_waiting.unwrap_or(defaults.push_waiting),
            usage: DailyUsage::default(),
        })
    }
}

/// A string schema with a pattern, for the document.
fn text_schema(
    pattern: &str,
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .into()
}

/// A key, username or password in the document: 1 to 32 visible
/// characters ([`check_credential`]).
pub struct Credential;

impl utoipa::PartialSchema for Credential {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        text_schema(r"^[^\s\x00-\x1f\x7f-\x9f]{1,32}$", "1 to 32 visible characters.")
    }
}

impl utoipa::ToSchema for Credential {}

/// An iP.1 sender in the document ([`normalize_ip1_sender`]).
pub struct Ip1Sender;

impl utoipa::PartialSchema for Ip1Sender {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        text_schema(
            r"^(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})$",
            "Alphanumeric, 3 to 11 characters, or 3 to 15 digits.",
        )
    }
}

impl utoipa::ToSchema for Ip1Sender {}

/// A Viamobile sender in the document ([`normalize_viamobile_sender`]).
pub struct ViamobileSender;

impl utoipa::PartialSchema for ViamobileSender {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        text_schema(r"^(?![0-9]+$)[\s\S]{0,11}$", "At most 11 characters, not digits only.")
    }
}

impl utoipa::ToSchema for ViamobileSender {}

/// An MCC+MNC code as the OpenAPI document shows it: a whole number that
/// fits 32 bits.
pub struct NetworkCode;

impl utoipa::PartialSchema for NetworkCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .minimum(Some(0))
            .maximum(Some(u32::MAX))
            .into()
    }
}

impl utoipa::ToSchema for NetworkCode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip1_account_ids_are_ip1_dash_digits() {
        assert!(is_ip1_account_id("ip1-12345"));
        assert!(!is_ip1_account_id("ip1-"));
        assert!(!is_ip1_account_id("ip1-12a"));
        assert!(!is_ip1_account_id("IP1-1"));
    }

    #[test]
    fn ip1_accounts_always_have_the_preregistered_senders() {
        let spec = Ip1AccountSpec { senders: Some(vec!["Acme".into()]), ..Default::default() };
        let profile =
            spec.into_profile("ip1-1".into(), vec!["key".into()], &Ip1Defaults::default()).unwrap();
        let senders: Vec<_> = profile.senders.keys().map(String::as_str).collect();
        assert_eq!(senders, ["Acme", "iP1", "iP1sms"]);
    }

    #[test]
    fn invalid_senders_and_credentials_are_refused() {
        let spec = Ip1AccountSpec { senders: Some(vec!["A".into()]), ..Default::default() };
        let err = spec.into_profile("ip1-1".into(), vec![], &Ip1Defaults::default()).unwrap_err();
        assert_eq!(err, AccountError::InvalidSender("A".into()));
        let spec = ViamobileAccountSpec::default();
        let err = spec
            .into_profile("user name".into(), "pw".into(), &ViamobileDefaults::default())
            .unwrap_err();
        assert!(matches!(err, AccountError::InvalidCredential(_)));
    }

    #[test]
    fn daily_usage_starts_again_on_a_new_day() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let tuesday = monday.succ_opt().unwrap();
        let mut usage = DailyUsage::default();
        usage.record(monday, 3);
        usage.record(monday, 2);
        assert_eq!(usage.sent_on(monday), 5);
        assert_eq!(usage.sent_on(tuesday), 0);
        usage.record(tuesday, 1);
        assert_eq!(usage.sent_on(tuesday), 1);
    }
}
