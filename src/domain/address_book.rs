//! The address book of iP.1's older API (`/api/contacts`, `/api/groups`,
//! `/api/memberships`): contacts with fixed fields, groups, and
//! memberships of a contact in a group, each with an integer id.
//!
//! It is the older API's own: v2's contacts (free properties and labels)
//! are another book, as the two APIs' documents share nothing. Phone
//! numbers are kept exactly as given. `Created` is set once; times are
//! kept to the millisecond, as they are shown, so an object reads back
//! identically wherever it appears.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V1Contact {
    pub id: u32,
    #[serde(flatten)]
    pub fields: ContactFields,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

/// What a client says about a contact: everything but its id and times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFields {
    pub first_name: String,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub organization: Option<String>,
    /// As given: no `+` added, a leading 0 kept.
    pub phone: String,
    pub email: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V1Group {
    pub id: u32,
    pub name: String,
    /// `#RRGGBB`.
    pub color: Option<String>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct V1Membership {
    pub id: u32,
    pub group: u32,
    pub contact: u32,
    pub created: DateTime<Utc>,
}

/// Why a membership cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MembershipError {
    #[error("no such group")]
    NoGroup,
    #[error("no such contact")]
    NoContact,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AddressBook {
    contacts: Vec<V1Contact>,
    groups: Vec<V1Group>,
    memberships: Vec<V1Membership>,
    /// The last id given, to any kind of object.
    last_id: u32,
}

/// A time as the older API keeps it: to the millisecond.
fn to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(at)
}

impl AddressBook {
    fn next_id(&mut self) -> u32 {
        self.last_id = self.last_id.saturating_add(1);
        self.last_id
    }

    pub fn contacts(&self) -> &[V1Contact] {
        &self.contacts
    }

    pub fn contact(&self, id: u32) -> Option<&V1Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    pub fn add_contact(&mut self, fields: ContactFields, now: DateTime<Utc>) -> V1Contact {
        let now = to_millis(now);
        let contact = V1Contact { id: self.next_id(), fields, created: now, modified: now };
        self.contacts.push(contact.clone());
        contact
    }

    /// Replaces a contact's fields; its id and `Created` stay.
    pub fn replace_contact(
        &mut self,
        id: u32,
        fields: ContactFields,
        now: DateTime<Utc>,
    ) -> Option<V1Contact> {
        let contact = self.contacts.iter_mut().find(|c| c.id == id)?;
        contact.fields = fields;
        contact.modified = to_millis(now);
        Some(contact.clone())
    }

    /// Removes a contact and its memberships.
    pub fn remove_contact(&mut self, id: u32) -> Option<V1Contact> {
        let position = self.contacts.iter().position(|c| c.id == id)?;
        self.memberships.retain(|m| m.contact != id);
        Some(self.contacts.remove(position))
    }

    pub fn groups(&self) -> &[V1Group] {
        &self.groups
    }

    pub fn group(&self, id: u32) -> Option<&V1Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn add_group(
        &mut self,
        name: String,
        color: Option<String>,
        now: DateTime<Utc>,
    ) -> V1Group {
        let now = to_millis(now);
        let group = V1Group { id: self.next_id(), name, color, created: now, modified: now };
        self.groups.push(group.clone());
        group
    }

    pub fn replace_group(
        &mut self,
        id: u32,
        name: String,
        color: Option<String>,
        now: DateTime<Utc>,
    ) -> Option<V1Group> {
        let group = self.groups.iter_mut().find(|g| g.id == id)?;
        group.name = name;
        group.color = color;
        group.modified = to_millis(now);
        Some(group.clone())
    }

    /// Removes a group and its memberships.
    pub fn remove_group(&mut self, id: u32) -> Option<V1Group> {
        let position = self.groups.iter().position(|g| g.id == id)?;
        self.memberships.retain(|m| m.group != id);
        Some(self.groups.remove(position))
    }

    /// How many contacts are in a group.
    pub fn contacts_count(&self, group: u32) -> usize {
        self.memberships.iter().filter(|m| m.group == group).count()
    }

    pub fn memberships(&self) -> &[V1Membership] {
        &self.memberships
    }

    pub fn membership(&self, id: u32) -> Option<&V1Membership> {
        self.memberships.iter().find(|m| m.id == id)
    }

    /// Puts a contact in a group; one already there keeps its membership,
    /// which is returned with `false`.
    pub fn add_membership(
        &mut self,
        group: u32,
        contact: u32,
        now: DateTime<Utc>,
    ) -> Result<(V1Membership, bool), MembershipError> {
        self.group(group).ok_or(MembershipError::NoGroup)?;
        self.contact(contact).ok_or(MembershipError::NoContact)?;
        if let Some(existing) =
            self.memberships.iter().find(|m| m.group == group && m.contact == contact)
        {
            return Ok((*existing, false));
        }
        let membership =
            V1Membership { id: self.next_id(), group, contact, created: to_millis(now) };
        self.memberships.push(membership);
        Ok((membership, true))
    }

    pub fn remove_membership(&mut self, id: u32) -> Option<V1Membership> {
        let position = self.memberships.iter().position(|m| m.id == id)?;
        Some(self.memberships.remove(position))
    }

    /// The groups a contact is in, in the order they were made.
    pub fn groups_of(&self, contact: u32) -> Vec<&V1Group> {
        self.groups
            .iter()
            .filter(|g| self.memberships.iter().any(|m| m.group == g.id && m.contact == contact))
            .collect()
    }

    /// The contacts of a group, in the order they were made.
    pub fn contacts_of(&self, group: u32) -> Vec<&V1Contact> {
        self.contacts
            .iter()
            .filter(|c| self.memberships.iter().any(|m| m.group == group && m.contact == c.id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(phone: &str) -> ContactFields {
        ContactFields {
            first_name: "Ada".into(),
            last_name: None,
            title: None,
            organization: None,
            phone: phone.into(),
            email: None,
            notes: None,
        }
    }

    #[test]
    fn memberships_follow_their_contact_and_group() {
        let mut book = AddressBook::default();
        let now = Utc::now();
        let ada = book.add_contact(fields("0701234567"), now);
        assert_eq!(ada.fields.phone, "0701234567", "kept as given");
        assert_eq!(ada.created, to_millis(now));
        let group = book.add_group("Team".into(), Some("#00ff00".into()), now);
        let (membership, new) = book.add_membership(group.id, ada.id, now).unwrap();
        assert!(new);
        assert_eq!(book.add_membership(group.id, ada.id, now).unwrap(), (membership, false));
        assert_eq!(book.add_membership(999, ada.id, now), Err(MembershipError::NoGroup));
        assert_eq!(book.contacts_count(group.id), 1);
        assert_eq!(book.groups_of(ada.id), [&group]);
        let later = now + TimeDelta::seconds(5);
        let renamed = book.replace_contact(ada.id, fields("46701234567"), later).unwrap();
        assert_eq!(renamed.created, ada.created, "Created never changes");
        assert_eq!(renamed.modified, to_millis(later));
        book.remove_contact(ada.id).unwrap();
        assert!(book.memberships().is_empty(), "its memberships went with it");
    }
}
