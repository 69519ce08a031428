//! Roles, ticket scopes and the logged-in user, as both sides see them.

use serde::{Deserialize, Serialize};

/// What a user may do in the help desk (MISSION P1, P2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Everything, including settings and other users.
    SuperAdmin,
    /// A help desk seat: every help desk feature, no user administration.
    HelpDesk,
    /// Service access: views and collaborates, no settings, fewer default views.
    Service,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::SuperAdmin, Role::HelpDesk, Role::Service];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::HelpDesk => "help_desk",
            Role::Service => "service",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::SuperAdmin => "Super admin",
            Role::HelpDesk => "Help desk seat",
            Role::Service => "Service access",
        }
    }

    pub fn is_admin(self) -> bool {
        self == Role::SuperAdmin
    }
}

/// Which tickets a user can see at all (MISSION P3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    All,
    /// Tickets of the user's teams, and tickets they own.
    Team,
    /// Only tickets they own.
    Own,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::All, Scope::Team, Scope::Own];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Team => "team",
            Scope::Own => "own",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::All => "All tickets",
            Scope::Team => "Their teams' tickets",
            Scope::Own => "Only tickets they own",
        }
    }
}

/// The logged-in user, as the UI needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
}

/// Longest email address a mailbox can have (RFC 5321's path limit less the brackets).
pub const MAX_EMAIL_BYTES: usize = 254;
/// Longest password accepted: argon2 would hash any length, so a cap keeps work bounded.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Where to go after logging in: only a path on this site, never another origin.
///
/// The path must start with one `/` and hold only visible ASCII without a backslash: browsers
/// drop tabs and newlines from a `Location` (so `/\t/evil.example` becomes
/// `//evil.example`, another site), read a backslash as `/`, and a control character cannot be a
/// header value at all. Anything else is written percent-encoded by `login_path_for`.
pub fn safe_next_path(next: Option<&str>) -> String {
    let is_safe = |path: &str| {
        path.starts_with('/')
            && !matches!(path.as_bytes().get(1), Some(b'/' | b'\\'))
            && path.len() <= 2000
            && path.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'\\')
    };
    match next {
        Some(path) if is_safe(path) => path.to_string(),
        _ => "/".to_string(),
    }
}

pub use crate::kit::login_path_for;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_links_are_encoded_into_the_login_path() {
        assert_eq!(
            login_path_for("/tickets/ab?view=closed"),
            "/login?next=/tickets/ab%3Fview%3Dclosed"
        );
    }

    #[test]
    fn next_path_keeps_local_deep_links() {
        assert_eq!(
            safe_next_path(Some("/tickets/abc?view=closed")),
            "/tickets/abc?view=closed"
        );
    }

    #[test]
    fn next_path_refuses_other_origins() {
        assert_eq!(safe_next_path(Some("https://evil.test/")), "/");
        assert_eq!(safe_next_path(Some("//evil.test/")), "/");
        assert_eq!(safe_next_path(Some("/\\evil.test")), "/");
        assert_eq!(safe_next_path(None), "/");
    }

    #[test]
    fn next_path_refuses_what_a_browser_would_turn_into_another_origin() {
        // Browsers strip tabs and newlines from URLs: "/\t/evil" is "//evil".
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/x",
            "/\n",
            "/ /x",
            "/\u{7f}",
            "/é",
            "/a\\b",
        ] {
            assert_eq!(safe_next_path(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(safe_next_path(Some(&format!("/{}", "a".repeat(3000)))), "/");
        assert_eq!(safe_next_path(Some("/tickets/a%09b")), "/tickets/a%09b");
    }

    #[test]
    fn roles_and_scopes_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
