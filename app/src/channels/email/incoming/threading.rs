//! Which ticket an incoming message belongs to, decided from what the database knows about
//! its ids (the store looks them up; the rules live here, tested on their own):
//! 1. In-Reply-To, then References, newest first, against the Message-IDs we stored or sent;
//!    our own ids also carry their ticket's number (`<random>.t1042@our-domain`).
//! 2. Failing that, our ticket reference (`X-Switchboard-Ticket`, `[#1042]` in the subject),
//!    only when the sender is already a contact on that ticket: a subject alone never
//!    attaches a stranger's mail to someone's ticket.
//! 3. An agent's forward opens a ticket for the original sender; anything else opens a new
//!    ticket.

use super::parse::IncomingMail;
use super::ThreadedBy;

/// What the store found about one message's ids.
#[derive(Debug, Default, Clone)]
pub struct Found {
    /// `(message id, ticket id)` of stored messages among In-Reply-To and References.
    pub by_message_id: Vec<(String, String)>,
    /// The tickets of our own ids' numbers: `(message id, ticket id)`.
    pub by_our_id: Vec<(String, String)>,
    /// The ticket the reference names, and whether the sender is a contact on it.
    pub by_reference: Option<(String, bool)>,
    /// Whether the sender is a help desk user.
    pub sender_is_agent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thread {
    Existing { ticket_id: String, by: ThreadedBy },
    New { by: ThreadedBy },
}

/// The ticket number inside one of our Message-IDs (`<random>.t1042@<one of our domains>`).
pub fn our_ticket_number(id: &str, our_domains: &[String]) -> Option<i64> {
    let (local, domain) = id.rsplit_once('@')?;
    if !our_domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
        return None;
    }
    let (_, number) = local.rsplit_once(".t")?;
    (!number.is_empty() && number.len() <= 12 && number.bytes().all(|b| b.is_ascii_digit()))
        .then(|| number.parse().ok())
        .flatten()
}

/// The ids to look up, most telling first: for a bounce the message that bounced, then
/// In-Reply-To, then References newest first.
pub fn ids_to_look_up(mail: &IncomingMail) -> Vec<String> {
    let mut ids: Vec<String> = mail
        .bounce
        .iter()
        .filter_map(|b| b.original_message_id.clone())
        .collect();
    for id in &mail.in_reply_to {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    for id in mail.references.iter().rev() {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}

pub fn decide(mail: &IncomingMail, found: &Found) -> Thread {
    for id in ids_to_look_up(mail) {
        let ticket = found
            .by_message_id
            .iter()
            .chain(found.by_our_id.iter())
            .find(|(known, _)| *known == id);
        if let Some((_, ticket_id)) = ticket {
            let by = if mail.in_reply_to.contains(&id) {
                ThreadedBy::InReplyTo
            } else {
                ThreadedBy::References
            };
            return Thread::Existing {
                ticket_id: ticket_id.clone(),
                by,
            };
        }
    }
    if let Some((ticket_id, true)) = &found.by_reference {
        return Thread::Existing {
            ticket_id: ticket_id.clone(),
            by: ThreadedBy::TicketReference,
        };
    }
    if found.sender_is_agent && mail.forwarded_from.is_some() {
        return Thread::New {
            by: ThreadedBy::Forward,
        };
    }
    Thread::New {
        by: ThreadedBy::NewTicket,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(raw: &str) -> IncomingMail {
        super::super::parse::parse(raw.as_bytes()).unwrap()
    }

    #[test]
    fn our_ids_carry_their_ticket_number_on_our_domains_only() {
        let ours = vec!["acme.test".to_string()];
        assert_eq!(our_ticket_number("f00.t1042@acme.test", &ours), Some(1042));
        assert_eq!(our_ticket_number("f00.t1042@evil.test", &ours), None);
        assert_eq!(our_ticket_number("f00.tx@acme.test", &ours), None);
        assert_eq!(our_ticket_number("plain@acme.test", &ours), None);
    }

    #[test]
    fn in_reply_to_wins_then_the_newest_reference() {
        let m = mail("From: a@x.test\r\nIn-Reply-To: <b@x>\r\nReferences: <a@x> <c@x>\r\nSubject: s\r\n\r\nb");
        assert_eq!(ids_to_look_up(&m), vec!["b@x", "c@x", "a@x"]);
        let found = Found {
            by_message_id: vec![("a@x".into(), "T1".into()), ("b@x".into(), "T2".into())],
            ..Found::default()
        };
        assert_eq!(
            decide(&m, &found),
            Thread::Existing {
                ticket_id: "T2".into(),
                by: ThreadedBy::InReplyTo
            }
        );
        let found = Found {
            by_message_id: vec![("a@x".into(), "T1".into())],
            ..Found::default()
        };
        assert_eq!(
            decide(&m, &found),
            Thread::Existing {
                ticket_id: "T1".into(),
                by: ThreadedBy::References
            }
        );
    }

    #[test]
    fn a_subject_reference_threads_only_a_known_contacts_mail() {
        let m = mail("From: a@x.test\r\nSubject: Re: Printer [#1042]\r\n\r\nb");
        let stranger = Found {
            by_reference: Some(("T1".into(), false)),
            ..Found::default()
        };
        assert_eq!(
            decide(&m, &stranger),
            Thread::New {
                by: ThreadedBy::NewTicket
            }
        );
        let contact = Found {
            by_reference: Some(("T1".into(), true)),
            ..Found::default()
        };
        assert_eq!(
            decide(&m, &contact),
            Thread::Existing {
                ticket_id: "T1".into(),
                by: ThreadedBy::TicketReference
            }
        );
    }

    #[test]
    fn an_agents_forward_opens_a_ticket_for_the_original_sender() {
        let m = mail("From: agent@acme.test\r\nSubject: Fwd: Help\r\n\r\nFrom: Mary <mary@example.com>\r\n");
        let agent = Found {
            sender_is_agent: true,
            ..Found::default()
        };
        assert_eq!(
            decide(&m, &agent),
            Thread::New {
                by: ThreadedBy::Forward
            }
        );
        assert_eq!(
            decide(&m, &Found::default()),
            Thread::New {
                by: ThreadedBy::NewTicket
            }
        );
    }
}
