//! The notes and the rule of the notes API: a request carries a Gatehouse
//! access token; it is verified offline (`keys`) for the right the action
//! needs and for the note as resource — so a token narrowed to one note works
//! for that note only — and the note must belong to the token's subject.

use crate::keys::Keys;
use gatehouse::verify::{Request, Verified, VerifyError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub id: String,
    pub owner: String,
    pub title: String,
    pub body: String,
}

#[derive(Default)]
pub struct Notes {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    by_id: BTreeMap<String, Note>,
    seeded: std::collections::BTreeSet<String>,
}

/// Why a notes request was refused (HTTP 401, 403 or 404).
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The token does not verify, or not for this (401).
    Token(&'static str),
    /// Verified, but the note is someone else's (403).
    NotYours,
    NotFound,
}

impl Notes {
    /// The subject's notes; a first visit gets two to look at.
    pub fn of(&self, owner: &str) -> Vec<Note> {
        let mut inner = self.lock();
        if inner.seeded.insert(owner.to_owned()) {
            for (title, body) in [
                (
                    "Welcome",
                    "This note lives in the demo app; Gatehouse only signs you in.",
                ),
                (
                    "Groceries",
                    "Bread, milk, a narrower token for the neighbour.",
                ),
            ] {
                inner.add(owner, title, body);
            }
        }
        inner
            .by_id
            .values()
            .filter(|n| n.owner == owner)
            .cloned()
            .collect()
    }

    pub fn add(&self, owner: &str, title: &str, body: &str) -> Note {
        self.lock().add(owner, title, body)
    }

    pub fn get(&self, id: &str) -> Option<Note> {
        self.lock().by_id.get(id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Inner {
    fn add(&mut self, owner: &str, title: &str, body: &str) -> Note {
        self.next += 1;
        let note = Note {
            id: format!("note-{}", self.next),
            owner: owner.to_owned(),
            title: title.to_owned(),
            body: body.to_owned(),
        };
        self.by_id.insert(note.id.clone(), note.clone());
        note
    }
}

/// `token` may read the note `id`: verified offline for the right
/// `notes:read` on that note, and the note is the subject's.
pub async fn read(keys: &Keys, notes: &Notes, token: &str, id: &str) -> Result<Note, Refused> {
    let verified = keys
        .verify(token, &Request::right("notes:read").resource(id))
        .await
        .map_err(refused)?;
    let note = notes.get(id).ok_or(Refused::NotFound)?;
    owned(&verified, note)
}

/// The subject's notes, for a token with the right `notes:read`.
pub async fn list(
    keys: &Keys,
    notes: &Notes,
    token: &str,
) -> Result<(Verified, Vec<Note>), Refused> {
    let verified = keys
        .verify(token, &Request::right("notes:read"))
        .await
        .map_err(refused)?;
    let subject = verified
        .subject
        .clone()
        .ok_or(Refused::Token("not a user's token"))?;
    let mine = notes.of(&subject);
    Ok((verified, mine))
}

fn owned(verified: &Verified, note: Note) -> Result<Note, Refused> {
    match &verified.subject {
        Some(s) if *s == note.owner => Ok(note),
        _ => Err(Refused::NotYours),
    }
}

fn refused(e: VerifyError) -> Refused {
    Refused::Token(match e {
        VerifyError::Denied => "the token does not allow this",
        VerifyError::Revoked => "the token was revoked",
        VerifyError::WrongTenant => "the token is another tenant's",
        _ => "the token is not valid",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_owner_sees_their_own_notes_seeded_once() {
        let notes = Notes::default();
        let alice = notes.of("alice");
        assert_eq!(alice.len(), 2);
        assert_eq!(notes.of("alice"), alice, "seeded once");
        let bob = notes.of("bob");
        assert!(bob.iter().all(|n| n.owner == "bob"));
        notes.add("alice", "t", "b");
        assert_eq!(notes.of("alice").len(), 3);
        assert_eq!(notes.of("bob").len(), 2);
    }
}
