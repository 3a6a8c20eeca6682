//! All accounts, sharded: each account is its own [`Shard`] behind its own
//! lock, and the indexes that find an account by API key or username are
//! concurrent maps, so there is no global lock on the request path.

mod chunked;
mod contacts;
mod messaging;
mod schedule;
mod shard;
mod split_map;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::clock::{Clock, ClockSettings};
use crate::domain::account::{
    AccountError, Gateway, Ip1AccountSpec, Ip1Profile, NewAccountDefaults, ViamobileAccountSpec,
    ViamobileProfile,
};
use crate::domain::lifecycle::{MagicNumbers, Timing};
use crate::domain::msisdn::Msisdn;
use crate::domain::pricing::Prices;
use crate::engine::WriteKey;
use crate::fixtures::Fixtures;

pub use contacts::Contacts;
pub use messaging::{Messaging, participant_key};
pub use schedule::{DueStep, Schedule};
pub use shard::{AccountSnapshot, Origin, Shard, ShardData};

pub type Ip1Account = Shard<Ip1Profile>;
pub type ViamobileAccount = Shard<ViamobileProfile>;

/// How the store treats accounts it has not seen.
#[derive(Debug, Clone, Copy)]
pub struct StoreSettings {
    /// The clock every new account starts with.
    pub clock: ClockSettings,
    /// Unseen credentials create a fresh account instead of answering 401.
    pub accept_any_credentials: bool,
    /// Beyond this many accounts, unseen credentials answer 401 again.
    pub max_accounts: usize,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            clock: ClockSettings::default(),
            accept_any_credentials: false,
            max_accounts: crate::config::DEFAULT_MAX_ACCOUNTS,
        }
    }
}

/// An account of either gateway, for what does not depend on which: its
/// id, clock, messages, reset, scheduler passes. What does is reached with
/// the crate's `on_shard!` macro or by matching.
#[derive(Clone)]
pub enum AnyAccount {
    Ip1(Arc<Ip1Account>),
    Viamobile(Arc<ViamobileAccount>),
}

/// Evaluates `$body` with `$shard` bound to the account's shard, whichever
/// gateway's it is (the body is compiled once per profile type).
macro_rules! on_shard {
    ($account:expr, $shard:ident => $body:expr) => {
        match $account {
            $crate::store::AnyAccount::Ip1($shard) => $body,
            $crate::store::AnyAccount::Viamobile($shard) => $body,
        }
    };
}
pub(crate) use on_shard;

/// Accounts (or their ids) by id or key, looked up on every gateway call:
/// hashed with foldhash, as the per-message indexes are (`Cargo.toml` says
/// why), at a fraction of SipHash's cost for each of the two or three
/// lookups a call makes.
type ById<V> = DashMap<String, V, foldhash::fast::RandomState>;

/// Every account of both gateways.
pub struct Store {
    settings: StoreSettings,
    /// The clock of accounts created from now on (`PUT /_mock/clock` changes it).
    new_clock: RwLock<ClockSettings>,
    fixtures: Fixtures,
    /// The fixtures' magic numbers and prices, made for looking up.
    magic_numbers: MagicNumbers,
    prices: Prices,
    ip1_accounts: ById<Arc<Ip1Account>>,
    /// API key → its iP.1 account: one lookup a call, not a key's id and
    /// then the id's account.
    ip1_keys: ById<Arc<Ip1Account>>,
    viamobile_accounts: ById<Arc<ViamobileAccount>>,
    /// Number part of the next generated `ip1-N` id.
    next_ip1_number: AtomicU64,
    /// Whether reaching `max_accounts` was logged.
    warned_full: AtomicBool,
    /// Held while an iP.1 virtual number is checked and given, so two
    /// accounts never get the same one.
    numbering: Mutex<()>,
}

/// Number part of generated iP.1 ids when the fixtures use none higher.
const FIRST_GENERATED_IP1_NUMBER: u64 = 20001;

impl Store {
    /// A store holding the fixtures' accounts (already checked by
    /// [`Fixtures::parse`]).
    pub fn new(fixtures: Fixtures, settings: StoreSettings) -> Result<Store, AccountError> {
        let highest = fixtures
            .ip1
            .accounts
            .iter()
            .filter_map(|a| a.id.as_deref()?.strip_prefix("ip1-")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        let store = Store {
            settings,
            new_clock: RwLock::new(settings.clock),
            ip1_accounts: ById::default(),
            ip1_keys: ById::default(),
            viamobile_accounts: ById::default(),
            next_ip1_number: AtomicU64::new(FIRST_GENERATED_IP1_NUMBER.max(highest + 1)),
            warned_full: AtomicBool::new(false),
            numbering: Mutex::new(()),
            magic_numbers: MagicNumbers::new(fixtures.magic_numbers.clone()),
            prices: Prices::new(&fixtures.prices),
            fixtures,
        };
        store.load_fixture_accounts()?;
        Ok(store)
    }

    /// The price table of the fixtures.
    pub fn prices(&self) -> &Prices {
        &self.prices
    }

    /// Delays of the message status path.
    pub fn timing(&self) -> &Timing {
        &self.fixtures.lifecycle
    }

    /// Numbers whose messages always end one way.
    pub fn magic_numbers(&self) -> &MagicNumbers {
        &self.magic_numbers
    }

    /// The clock accounts created from now on start with.
    pub fn new_account_clock(&self) -> ClockSettings {
        *self.new_clock.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_new_account_clock(&self, settings: ClockSettings) {
        *self.new_clock.write().unwrap_or_else(|e| e.into_inner()) = settings;
    }

    pub fn ip1_list(&self) -> Vec<Arc<Ip1Account>> {
        self.ip1_accounts.iter().map(|a| a.value().clone()).collect()
    }

    pub fn viamobile_list(&self) -> Vec<Arc<ViamobileAccount>> {
        self.viamobile_accounts.iter().map(|a| a.value().clone()).collect()
    }

    fn defaults(&self) -> &NewAccountDefaults {
        &self.fixtures.new_accounts
    }

    fn load_fixture_accounts(&self) -> Result<(), AccountError> {
        for spec in self.fixtures.ip1.accounts.clone() {
            self.create_ip1(spec, Origin::Fixtures)?;
        }
        for spec in self.fixtures.viamobile.accounts.clone() {
            self.create_viamobile(spec, Origin::Fixtures)?;
        }
        Ok(())
    }

    /// Finds the iP.1 account of an API key. `account_id` comes from HTTP
    /// Basic (`account:key`) and must then name the key's account. With
    /// `--accept-any-credentials` an unseen key creates a new account (with
    /// the Basic account id, which must then be free and well-formed), up
    /// to `--max-accounts`; a call that is refused creates nothing.
    pub fn authenticate_ip1(&self, account_id: Option<&str>, key: &str) -> Option<Arc<Ip1Account>> {
        let known = self.ip1_account_with_key(key);
        let account = match known {
            Some(account) => account,
            None if self.settings.accept_any_credentials => {
                self.create_ip1_on_first_use(account_id, key)?
            }
            None => return None,
        };
        match account_id {
            Some(id) if id != account.id() => None,
            _ => Some(account),
        }
    }

    fn create_ip1_on_first_use(
        &self,
        account_id: Option<&str>,
        key: &str,
    ) -> Option<Arc<Ip1Account>> {
        let claimable = account_id
            .is_none_or(|id| crate::domain::account::is_ip1_account_id(id) && !self.name_taken(id));
        if key.is_empty() || !claimable || self.full() {
            // Another call may have just made it with this key.
            return self.ip1_account_with_key(key);
        }
        let spec = Ip1AccountSpec {
            id: account_id.map(str::to_owned),
            api_keys: vec![key.to_owned()],
            ..Ip1AccountSpec::default()
        };
        match self.create_ip1(spec, Origin::Runtime) {
            Ok(account) => Some(account),
            // Another request created it first with the same key.
            Err(AccountError::Taken(_)) => self.ip1_account_with_key(key),
            Err(_) => None,
        }
    }

    /// The iP.1 account id of an API key, without creating anything.
    pub fn ip1_account_of_key(&self, key: &str) -> Option<String> {
        self.ip1_keys.get(key).map(|account| account.id().to_owned())
    }

    /// The iP.1 account an API key belongs to, if any.
    fn ip1_account_with_key(&self, key: &str) -> Option<Arc<Ip1Account>> {
        self.ip1_keys.get(key).map(|account| account.value().clone())
    }

    /// Finds the Viamobile account of a username and password; with
    /// `--accept-any-credentials` an unseen username creates one (with a
    /// username and password that are not empty), up to `--max-accounts`.
    pub fn authenticate_viamobile(
        &self,
        username: &str,
        password: &str,
    ) -> Option<Arc<ViamobileAccount>> {
        let account = match self.viamobile_accounts.get(username) {
            Some(account) => account.value().clone(),
            None if self.settings.accept_any_credentials
                && !username.is_empty()
                && !password.is_empty()
                && !self.full() =>
            {
                let spec = ViamobileAccountSpec {
                    username: Some(username.to_owned()),
                    password: Some(password.to_owned()),
                    ..ViamobileAccountSpec::default()
                };
                match self.create_viamobile(spec, Origin::Runtime) {
                    Ok(account) => account,
                    Err(AccountError::Taken(_)) => {
                        self.viamobile_accounts.get(username)?.value().clone()
                    }
                    Err(_) => return None,
                }
            }
            None => return None,
        };
        let matches = account.read(|data| data.profile.password == password);
        matches.then_some(account)
    }

    /// True when a Viamobile account has this username and password;
    /// creates nothing.
    pub fn viamobile_password_matches(&self, username: &str, password: &str) -> bool {
        self.viamobile_accounts
            .get(username)
            .is_some_and(|account| account.read(|data| data.profile.password == password))
    }

    /// True when no account may be created on first use any more; warns
    /// the first time.
    fn full(&self) -> bool {
        let full =
            self.ip1_accounts.len() + self.viamobile_accounts.len() >= self.settings.max_accounts;
        if full && !self.warned_full.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                max_accounts = self.settings.max_accounts,
                "--max-accounts reached: unseen credentials answer 401 until a reset"
            );
        }
        full
    }

    /// True when an iP.1 account id or Viamobile username is in use; the
    /// control API's `?account=` takes either, so they share one namespace.
    fn name_taken(&self, name: &str) -> bool {
        self.ip1_accounts.contains_key(name) || self.viamobile_accounts.contains_key(name)
    }

    fn generate_ip1_id(&self) -> String {
        loop {
            let number = self.next_ip1_number.fetch_add(1, Ordering::Relaxed);
            let id = format!("ip1-{number}");
            if !self.name_taken(&id) {
                return id;
            }
        }
    }

    /// Held while a virtual number is checked and given
    /// ([`Store::number_owner`]).
    pub fn numbering(&self) -> MutexGuard<'_, ()> {
        self.numbering.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The account, of either gateway, whose virtual number this is.
    pub fn number_owner(&self, number: &str) -> Option<AnyAccount> {
        let has = |candidate: Option<&Msisdn>| candidate.map(Msisdn::as_str) == Some(number);
        if let Some(found) =
            self.ip1_accounts.iter().find(|a| a.read(|d| has(d.profile.virtual_number.as_ref())))
        {
            return Some(AnyAccount::Ip1(found.value().clone()));
        }
        self.viamobile_accounts
            .iter()
            .find(|a| a.read(|d| has(d.profile.virtual_number.as_ref())))
            .map(|a| AnyAccount::Viamobile(a.value().clone()))
    }

    /// Refuses a virtual number another account has.
    fn check_number_free(&self, number: Option<&Msisdn>) -> Result<(), AccountError> {
        match number.and_then(|number| Some((number, self.number_owner(number)?))) {
            Some((number, owner)) => Err(AccountError::Taken(format!(
                "virtual number {number} (account {:?} has it)",
                owner.id()
            ))),
            None => Ok(()),
        }
    }

    /// Creates an iP.1 account; a missing id or key is generated. A
    /// virtual number another account has answers [`AccountError::Taken`].
    pub fn create_ip1(
        &self,
        spec: Ip1AccountSpec,
        origin: Origin,
    ) -> Result<Arc<Ip1Account>, AccountError> {
        let _numbering = self.numbering();
        let id = match &spec.id {
            Some(id) if self.name_taken(id) => {
                return Err(AccountError::Taken(format!("account {id:?}")));
            }
            Some(id) => id.clone(),
            None => self.generate_ip1_id(),
        };
        let keys =
            if spec.api_keys.is_empty() { vec![random_token(32)] } else { spec.api_keys.clone() };
        let profile = spec.into_profile(id.clone(), keys.clone(), &self.defaults().ip1)?;
        self.check_number_free(profile.virtual_number.as_ref())?;
        let account = Arc::new(Shard::new(id.clone(), origin, profile, self.new_account_clock()));
        self.reserve_keys(&keys, &account)?;
        match self.ip1_accounts.entry(id.clone()) {
            Entry::Occupied(_) => {
                self.release_keys(&keys);
                Err(AccountError::Taken(format!("account {id:?}")))
            }
            Entry::Vacant(slot) => {
                slot.insert(account.clone());
                Ok(account)
            }
        }
    }

    /// Claims every key for `account`, or none of them.
    fn reserve_keys(&self, keys: &[String], account: &Arc<Ip1Account>) -> Result<(), AccountError> {
        for (index, key) in keys.iter().enumerate() {
            match self.ip1_keys.entry(key.clone()) {
                Entry::Vacant(slot) => {
                    slot.insert(account.clone());
                }
                Entry::Occupied(_) => {
                    self.release_keys(&keys[..index]);
                    return Err(AccountError::Taken("that API key".to_owned()));
                }
            }
        }
        Ok(())
    }

    fn release_keys(&self, keys: &[String]) {
        for key in keys {
            self.ip1_keys.remove(key);
        }
    }

    /// Creates a Viamobile account; a missing username or password is
    /// generated.
    pub fn create_viamobile(
        &self,
        spec: ViamobileAccountSpec,
        origin: Origin,
    ) -> Result<Arc<ViamobileAccount>, AccountError> {
        let _numbering = self.numbering();
        let username = spec.username.clone().unwrap_or_else(|| format!("user-{}", random_token(8)));
        let password = spec.password.clone().unwrap_or_else(|| random_token(16));
        if self.ip1_accounts.contains_key(&username) {
            return Err(AccountError::Taken(format!("account {username:?}")));
        }
        let profile = spec.into_profile(username.clone(), password, &self.defaults().viamobile)?;
        self.check_number_free(profile.virtual_number.as_ref())?;
        let account =
            Arc::new(Shard::new(username.clone(), origin, profile, self.new_account_clock()));
        match self.viamobile_accounts.entry(username.clone()) {
            Entry::Occupied(_) => Err(AccountError::Taken(format!("account {username:?}"))),
            Entry::Vacant(slot) => {
                slot.insert(account.clone());
                Ok(account)
            }
        }
    }

    /// The iP.1 account with this id.
    pub fn find_ip1(&self, id: &str) -> Option<Arc<Ip1Account>> {
        self.ip1_accounts.get(id).map(|a| a.value().clone())
    }

    /// Every account as a snapshot holds it.
    pub fn snapshot(
        &self,
    ) -> (Vec<AccountSnapshot<Ip1Profile>>, Vec<AccountSnapshot<ViamobileProfile>>) {
        let mut ip1: Vec<_> = self.ip1_list().iter().map(|a| a.snapshot()).collect();
        ip1.sort_by(|a, b| a.id.cmp(&b.id));
        let mut viamobile: Vec<_> = self.viamobile_list().iter().map(|a| a.snapshot()).collect();
        viamobile.sort_by(|a, b| a.id.cmp(&b.id));
        (ip1, viamobile)
    }

    /// Replaces every account with a snapshot's; returns the restored
    /// accounts so their status steps can be planned again.
    pub fn restore(
        &self,
        ip1: Vec<AccountSnapshot<Ip1Profile>>,
        viamobile: Vec<AccountSnapshot<ViamobileProfile>>,
        new_clock: ClockSettings,
        key: &WriteKey,
    ) -> (Vec<Arc<Ip1Account>>, Vec<Arc<ViamobileAccount>>) {
        // Emptied first, so attempts still under way for them are forgotten.
        for account in self.list() {
            account.reset(key);
        }
        self.ip1_accounts.clear();
        self.ip1_keys.clear();
        self.viamobile_accounts.clear();
        self.set_new_account_clock(new_clock);
        let mut highest = 0;
        let ip1: Vec<Arc<Ip1Account>> = ip1
            .into_iter()
            .map(|snapshot| {
                let account = Arc::new(Shard::restore(snapshot, self.settings.clock));
                account.read(|data| {
                    for key in &data.profile.api_keys {
                        self.ip1_keys.insert(key.clone(), account.clone());
                    }
                });
                if let Some(number) =
                    account.id().strip_prefix("ip1-").and_then(|n| n.parse::<u64>().ok())
                {
                    highest = highest.max(number);
                }
                self.ip1_accounts.insert(account.id().to_owned(), account.clone());
                account
            })
            .collect();
        self.next_ip1_number.fetch_max(highest + 1, Ordering::Relaxed);
        let viamobile: Vec<Arc<ViamobileAccount>> = viamobile
            .into_iter()
            .map(|snapshot| {
                let account = Arc::new(Shard::restore(snapshot, self.settings.clock));
                self.viamobile_accounts.insert(account.id().to_owned(), account.clone());
                account
            })
            .collect();
        (ip1, viamobile)
    }

    /// The account with this iP.1 id or Viamobile username.
    pub fn find(&self, name: &str) -> Option<AnyAccount> {
        let name = self.account_id(name);
        let name = name.as_str();
        if let Some(account) = self.ip1_accounts.get(name) {
            return Some(AnyAccount::Ip1(account.value().clone()));
        }
        self.viamobile_accounts.get(name).map(|a| AnyAccount::Viamobile(a.value().clone()))
    }

    /// The account a control call's `account` names: an iP.1 account id or
    /// a Viamobile username as given, or the id of the iP.1 account a
    /// known API key belongs to (a test often has the key, not the id).
    pub fn account_id(&self, name: &str) -> String {
        let named =
            self.ip1_accounts.contains_key(name) || self.viamobile_accounts.contains_key(name);
        match self.ip1_keys.get(name) {
            Some(account) if !named => account.id().to_owned(),
            _ => name.to_owned(),
        }
    }

    /// Every account, iP.1 first, each gateway's sorted by id.
    pub fn list(&self) -> Vec<AnyAccount> {
        let mut ip1: Vec<_> = self.ip1_accounts.iter().map(|a| a.value().clone()).collect();
        ip1.sort_by(|a, b| a.id().cmp(b.id()));
        let mut viamobile: Vec<_> =
            self.viamobile_accounts.iter().map(|a| a.value().clone()).collect();
        viamobile.sort_by(|a, b| a.id().cmp(b.id()));
        ip1.into_iter()
            .map(AnyAccount::Ip1)
            .chain(viamobile.into_iter().map(AnyAccount::Viamobile))
            .collect()
    }

    /// Back to the start: fixture accounts lose everything they did, and
    /// accounts created at run time are gone.
    pub fn reset_all(&self, key: &WriteKey) {
        self.set_new_account_clock(self.settings.clock);
        // Every account is emptied, those about to go too, so attempts
        // still under way for them are forgotten.
        for account in self.list() {
            account.reset(key);
        }
        self.ip1_accounts.retain(|_, account| account.origin() == Origin::Fixtures);
        self.viamobile_accounts.retain(|_, account| account.origin() == Origin::Fixtures);
        self.ip1_keys.retain(|_, account| account.origin() == Origin::Fixtures);
        self.warned_full.store(false, Ordering::Relaxed);
    }
}

impl AnyAccount {
    /// The iP.1 account id or the Viamobile username.
    pub fn id(&self) -> &str {
        on_shard!(self, account => account.id())
    }

    pub fn gateway(&self) -> Gateway {
        match self {
            AnyAccount::Ip1(_) => Gateway::Ip1,
            AnyAccount::Viamobile(_) => Gateway::Viamobile,
        }
    }

    pub fn origin(&self) -> Origin {
        on_shard!(self, account => account.origin())
    }

    pub fn clock(&self) -> &Clock {
        on_shard!(self, account => account.clock())
    }

    /// Runs `f` on the account's batches and messages under its lock.
    pub fn read_messaging<R>(&self, f: impl FnOnce(&Messaging) -> R) -> R {
        on_shard!(self, account => account.read(|data| f(&data.messaging)))
    }

    /// Forgets what this one account did; it keeps its credentials.
    pub fn reset(&self, key: &WriteKey) {
        on_shard!(self, account => account.reset(key))
    }
}

/// A random alphanumeric token for generated keys and passwords.
pub fn random_token(length: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(length).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(accept_any: bool) -> Store {
        let settings = StoreSettings { accept_any_credentials: accept_any, ..Default::default() };
        Store::new(Fixtures::builtin(), settings).unwrap()
    }

    #[test]
    fn keys_authenticate_their_own_account_only() {
        let store = store(false);
        let account = store.authenticate_ip1(None, "ip1-default-key").unwrap();
        assert_eq!(account.id(), "ip1-10001");
        assert!(store.authenticate_ip1(Some("ip1-10001"), "ip1-default-key").is_some());
        assert!(store.authenticate_ip1(Some("ip1-10002"), "ip1-default-key").is_none());
        assert!(store.authenticate_ip1(None, "unknown").is_none());
        assert!(store.authenticate_viamobile("test", "wrong").is_none());
    }

    #[test]
    fn unseen_credentials_create_one_account_each_when_accepted() {
        let store = store(true);
        let first = store.authenticate_ip1(None, "new-key").unwrap();
        let again = store.authenticate_ip1(None, "new-key").unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let named = store.authenticate_ip1(Some("ip1-777"), "other-key").unwrap();
        assert_eq!(named.id(), "ip1-777");
        let viamobile = store.authenticate_viamobile("alice", "secret").unwrap();
        assert_eq!(viamobile.id(), "alice");
        assert!(store.authenticate_viamobile("alice", "not-secret").is_none());
    }
}
