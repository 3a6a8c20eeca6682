//! iP.1 message status codes. The first digit is the group: 1 info
//! (still moving), 2 success, 4 rejection, 5 error; groups 2, 4 and 5 are
//! final.

pub const ACCEPTED: u16 = 101;
pub const QUEUED: u16 = 102;
pub const FUNDED: u16 = 103;
pub const REFUNDED: u16 = 104;
pub const SENDING: u16 = 110;
pub const DELIVERED_TO_GATEWAY: u16 = 111;
pub const DELIVERED_TO_CARRIER: u16 = 112;
pub const DELIVERED_TO_GSM: u16 = 113;
pub const QUEUED_AT_GATEWAY: u16 = 114;
pub const DELIVERED_TO_HANDSET: u16 = 201;
pub const EXPIRED: u16 = 202;
pub const CANCELED: u16 = 203;
pub const INSUFFICIENT_FUNDS: u16 = 402;
pub const SENDER_REJECTED: u16 = 403;
pub const RECIPIENT_REJECTED: u16 = 405;
pub const GENERIC_REJECTED: u16 = 406;
pub const INVALID_SENDER: u16 = 407;
/// Our name for a generic delivery failure (the 5xx names are unknown).
pub const UNDELIVERABLE: u16 = 500;

/// Batch statuses: derived from the direction and the messages.
pub const BATCH_PLANNED: u16 = 101;
pub const BATCH_ONGOING: u16 = 111;
pub const BATCH_SENT: u16 = 112;
pub const BATCH_INCOMING: u16 = 201;
pub const BATCH_CANCELED: u16 = 203;

/// The name iP.1 gives a message status, for people reading a history;
/// `Unknown` for a code it does not name.
pub fn name(code: u16) -> &'static str {
    match code {
        ACCEPTED => "Accepted",
        QUEUED => "Queued",
        FUNDED => "Funded",
        REFUNDED => "Refunded",
        SENDING => "Sending",
        DELIVERED_TO_GATEWAY => "DeliveredToGateway",
        DELIVERED_TO_CARRIER => "DeliveredToCarrier",
        DELIVERED_TO_GSM => "DeliveredToGSM",
        QUEUED_AT_GATEWAY => "QueuedAtGateway",
        DELIVERED_TO_HANDSET => "DeliveredToHandset",
        EXPIRED => "Expired",
        CANCELED => "Canceled",
        INSUFFICIENT_FUNDS => "InsufficientFunds",
        SENDER_REJECTED => "SenderRejected",
        RECIPIENT_REJECTED => "RecipientRejected",
        GENERIC_REJECTED => "GenericRejected",
        INVALID_SENDER => "InvalidSender",
        UNDELIVERABLE => "Undeliverable",
        _ => "Unknown",
    }
}

/// True when no status can follow this one.
pub fn is_final(code: u16) -> bool {
    matches!(code / 100, 2 | 4 | 5)
}

/// The `duration` of a status event: 1 when it is permanent.
pub fn duration(code: u16) -> u8 {
    u8::from(is_final(code))
}

/// True once a message has left iP.1's own pipeline: handed to the
/// carrier or the network, or finished.
pub fn has_left_pipeline(code: u16) -> bool {
    is_final(code) || matches!(code, DELIVERED_TO_CARRIER | DELIVERED_TO_GSM)
}

/// True while a message could still be cancelled: not past the queue.
pub fn is_cancellable(code: u16) -> bool {
    matches!(code, ACCEPTED | QUEUED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finality_follows_the_group() {
        assert!(!is_final(ACCEPTED) && !is_final(QUEUED_AT_GATEWAY));
        assert!(is_final(DELIVERED_TO_HANDSET) && is_final(INSUFFICIENT_FUNDS));
        assert!(is_final(UNDELIVERABLE) && is_final(599));
        assert_eq!(duration(QUEUED), 0);
        assert_eq!(duration(EXPIRED), 1);
        assert!(has_left_pipeline(DELIVERED_TO_GSM) && !has_left_pipeline(SENDING));
    }
}
