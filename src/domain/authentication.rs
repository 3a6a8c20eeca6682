//! One-time codes of iP.1's older API (`/api/authentications`): a code is
//! sent to a phone in an SMS and later validated; a valid code counts as
//! used. Each account has settings that fill what a request leaves out.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::msisdn::Msisdn;

/// Active codes one number may have at once, unless the settings say.
pub const DEFAULT_CONCURRENT_LIMIT: u32 = 5;
pub const DEFAULT_FROM: &str = "iP1";
pub const DEFAULT_MESSAGE_FORMAT: &str = "Your code is {0}";
pub const DEFAULT_LENGTH: u8 = 5;
/// Seconds a code is valid.
pub const DEFAULT_EXPIRATION: u32 = 1200;

/// The account's settings; `None` is "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthSettings {
    pub concurrent_limit: Option<u32>,
    pub from: Option<String>,
    pub message_format: Option<String>,
    pub length: Option<u8>,
    pub expiration_time: Option<u32>,
    pub numeric_only: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    pub id: u32,
    pub phone: Msisdn,
    pub from: String,
    pub message_format: String,
    pub length: u8,
    pub numeric_only: bool,
    pub expiration_time: u32,
    pub code: String,
    pub created: DateTime<Utc>,
    pub used: Option<DateTime<Utc>>,
}

impl Authentication {
    pub fn expires(&self) -> DateTime<Utc> {
        self.created + TimeDelta::seconds(i64::from(self.expiration_time))
    }

    /// Neither used nor expired at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.used.is_none() && now < self.expires()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Authentications {
    pub settings: AuthSettings,
    list: Vec<Authentication>,
    last_id: u32,
}

impl Authentications {
    pub fn list(&self) -> &[Authentication] {
        &self.list
    }

    pub fn get(&self, id: u32) -> Option<&Authentication> {
        self.list.iter().find(|a| a.id == id)
    }

    /// Active codes of a number.
    pub fn active(&self, phone: &Msisdn, now: DateTime<Utc>) -> usize {
        self.list.iter().filter(|a| &a.phone == phone && a.is_active(now)).count()
    }

    /// Keeps a sent code; its id is given here.
    pub fn add(&mut self, mut authentication: Authentication) -> Authentication {
        self.last_id = self.last_id.saturating_add(1);
        authentication.id = self.last_id;
        self.list.push(authentication.clone());
        authentication
    }

    pub fn remove(&mut self, id: u32) -> Option<Authentication> {
        let position = self.list.iter().position(|a| a.id == id)?;
        Some(self.list.remove(position))
    }

    /// Uses the number's active code `code`, if there is one.
    pub fn validate(
        &mut self,
        phone: &Msisdn,
        code: &str,
        now: DateTime<Utc>,
    ) -> Option<Authentication> {
        let found = self
            .list
            .iter_mut()
            .find(|a| &a.phone == phone && a.code == code && a.is_active(now))?;
        found.used = Some(now);
        Some(found.clone())
    }
}

/// A random code of `length` characters: digits, or digits and capital
/// letters (without the look-alikes `0`/`O`, `1`/`I`).
pub fn new_code(length: u8, numeric_only: bool) -> String {
    use rand::Rng;
    const DIGITS: &[u8] = b"0123456789";
    const MIXED: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let alphabet = if numeric_only { DIGITS } else { MIXED };
    let mut rng = rand::rng();
    (0..length).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_valid_once_and_until_it_expires() {
        let now = Utc::now();
        let phone = Msisdn::exact("46701234567").unwrap();
        let mut all = Authentications::default();
        let code = new_code(6, true);
        assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));
        let sent = all.add(Authentication {
            id: 0,
            phone: phone.clone(),
            from: DEFAULT_FROM.into(),
            message_format: DEFAULT_MESSAGE_FORMAT.into(),
            length: 6,
            numeric_only: true,
            expiration_time: 60,
            code: code.clone(),
            created: now,
            used: None,
        });
        assert_eq!(sent.id, 1);
        assert_eq!(all.active(&phone, now), 1);
        assert!(all.validate(&phone, "nope", now).is_none());
        let late = now + TimeDelta::seconds(61);
        assert!(all.clone().validate(&phone, &code, late).is_none(), "expired");
        assert!(all.validate(&phone, &code, now).is_some());
        assert!(all.validate(&phone, &code, now).is_none(), "used");
        assert_eq!(all.active(&phone, now), 0);
    }
}
