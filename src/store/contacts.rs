//! One account's contacts, in the order they were created.

use std::collections::{BTreeMap, HashMap};

use crate::domain::contact::Contact;
use crate::domain::id::ObjectId;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<Contact>", into = "Vec<Contact>")]
pub struct Contacts {
    /// Creation sequence → contact.
    by_sequence: BTreeMap<u64, Contact>,
    sequence_of: HashMap<ObjectId, u64>,
    next: u64,
}

impl From<Vec<Contact>> for Contacts {
    fn from(list: Vec<Contact>) -> Contacts {
        let mut contacts = Contacts::default();
        for contact in list {
            contacts.insert(contact);
        }
        contacts
    }
}

impl From<Contacts> for Vec<Contact> {
    fn from(contacts: Contacts) -> Vec<Contact> {
        contacts.by_sequence.into_values().collect()
    }
}

impl Contacts {
    pub fn insert(&mut self, contact: Contact) {
        self.next += 1;
        self.sequence_of.insert(contact.id, self.next);
        self.by_sequence.insert(self.next, contact);
    }

    pub fn get(&self, id: ObjectId) -> Option<&Contact> {
        self.by_sequence.get(self.sequence_of.get(&id)?)
    }

    pub fn get_mut(&mut self, id: ObjectId) -> Option<&mut Contact> {
        self.by_sequence.get_mut(self.sequence_of.get(&id)?)
    }

    pub fn remove(&mut self, id: ObjectId) -> Option<Contact> {
        self.by_sequence.remove(&self.sequence_of.remove(&id)?)
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Contact> {
        self.by_sequence.values()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Contact> {
        self.by_sequence.values_mut()
    }
}
