//! Viamobile's pushes: the delivery push to the account's delivery
//! URL when a message reaches its final state (`delivered`, `undeliverable`
//! or `expired`) — and `waiting` when it is sent, for accounts that push
//! it — without `bsmsId` as documented; and the incoming push to the account's incoming URL,
//! signed with an HMAC-SHA1 `hash`.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde_json::json;
use sha1::Sha1;

use super::delivery::{WAITING, delivery_state, record};
use crate::domain::account::Gateway;
use crate::domain::account::ViamobileProfile;
use crate::domain::message::{Batch, StatusEvent};
use crate::domain::network::operator_code;
use crate::engine::callbacks::{Callback, CallbackFormat, IncomingCallback};
use crate::engine::sequences::Sequences;
use crate::webhooks::journal::CallbackKind;

/// HMAC-SHA1 of `id + msisdn + address + gtw + message`, as lowercase hex.
pub fn incoming_hash(
    key: &str,
    id: u64,
    msisdn: &str,
    address: &str,
    gtw: u32,
    message: &str,
) -> String {
    #[expect(clippy::expect_used, reason = "HMAC takes keys of any length")]
    let mut mac =
        Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{id}{msisdn}{address}{gtw}{message}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl CallbackFormat for ViamobileProfile {
    const GATEWAY: Gateway = Gateway::Viamobile;

    fn reports(&self, _: &Batch) -> bool {
        self.delivery_push_url.is_some()
    }

    /// Pushes when the Viamobile state changes to a final one, or to
    /// `waiting` for accounts that push it (a `waiting` that stays
    /// `waiting` is not pushed again).
    fn delivery_report(&self, batch: &Batch, index: usize, event: StatusEvent) -> Option<Callback> {
        let url = self.delivery_push_url.as_deref()?;
        let message = batch.messages.get(index)?;
        let position = message.statuses.iter().position(|s| *s == event)?;
        let state = delivery_state(event.code);
        let before = position.checked_sub(1).map(|p| delivery_state(message.statuses[p].code));
        if before == Some(state) || (state == WAITING && !self.push_waiting) {
            return None;
        }
        let payload = serde_json::to_string(&record(self, batch, index, event, false)).ok()?;
        Some(Callback { url: Arc::from(url), payload: Arc::from(payload) })
    }

    /// `{id, msisdn: "+…", address: "+…", gtw, message, hash}`, with the
    /// next incoming id; the receiver must answer 200 `OK`.
    fn incoming(&self, batch: &Batch, sequences: &Sequences) -> IncomingCallback {
        let id = sequences.incoming_id();
        let recipient = batch.messages.first().map(|m| &*m.recipient).unwrap_or_default();
        let (msisdn, address) = (format!("+{}", batch.sender), format!("+{recipient}"));
        let gtw = operator_code(&batch.sender);
        let hash = incoming_hash(&self.hmac_key, id, &msisdn, &address, gtw, &batch.body);
        IncomingCallback {
            kind: CallbackKind::ViamobileIncoming,
            url: self.incoming_push_url.as_deref().map(Arc::from),
            payload: json!({"id": id, "msisdn": msisdn, "address": address, "gtw": gtw,
                            "message": batch.body, "hash": hash}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_signs_the_fields_in_order() {
        let hash = incoming_hash("key", 1, "+421903123456", "+421902028970", 23101, "Hi");
        assert_eq!(hash.len(), 40);
        assert_ne!(hash, incoming_hash("key", 2, "+421903123456", "+421902028970", 23101, "Hi"));
        assert_ne!(hash, incoming_hash("other", 1, "+421903123456", "+421902028970", 23101, "Hi"));
    }
}
