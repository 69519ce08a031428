//! Server functions for the admin pages. Only super admins reach them; everyone else
//! gets `NotFound`, as if the pages did not exist.

use leptos::prelude::*;

use super::model::{AdminUser, Team};
use crate::auth::model::{Role, Scope};
use crate::error::AppError;

#[server(name = ListUsers, prefix = "/api", endpoint = "admin/list_users", output = leptos::server_fn::codec::Postcard)]
pub async fn list_users() -> Result<Vec<AdminUser>, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            super::store::list_users(&context.db).await
        }
        .await,
    )
}

#[server(name = CreateUser, prefix = "/api", endpoint = "admin/create_user", output = leptos::server_fn::codec::Postcard)]
pub async fn create_user(
    email: String,
    name: String,
    password: String,
    role: Role,
    scope: Scope,
) -> Result<String, AppError> {
    use super::model::{check_password, parse_name, EmailAddress};
    use crate::auth::session::{hash_password, require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            let name = parse_name("name", &name)?;
            let email = EmailAddress::parse("email", &email)?;
            check_password("password", &password)?;
            let password_hash = hash_password(&context, password).await?;
            let id = super::store::insert_user(
                &context.db,
                super::store::NewUser {
                    email: email.as_str(),
                    name: &name,
                    password_hash: &password_hash,
                    role,
                    scope,
                },
            )
            .await?;
            tracing::info!(admin = admin.id, user = id, "user created");
            Ok(id)
        }
        .await,
    )
}

#[server(name = SetUserRole, prefix = "/api", endpoint = "admin/set_user_role", output = leptos::server_fn::codec::Postcard)]
pub async fn set_user_role(id: String, role: Role) -> Result<(), AppError> {
    use super::store::{update_user_field, UserColumn, UserValue};
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            if admin.id == id && role != Role::SuperAdmin {
                return Err(AppError::validation(
                    "role",
                    "You cannot remove your own super admin role.",
                ));
            }
            update_user_field(
                &context.db,
                &admin.id,
                &id,
                UserColumn::Role,
                UserValue::Text(role.as_str()),
            )
            .await
        }
        .await,
    )
}

#[server(name = SetUserScope, prefix = "/api", endpoint = "admin/set_user_scope", output = leptos::server_fn::codec::Postcard)]
pub async fn set_user_scope(id: String, scope: Scope) -> Result<(), AppError> {
    use super::store::{update_user_field, UserColumn, UserValue};
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            update_user_field(
                &context.db,
                &admin.id,
                &id,
                UserColumn::Scope,
                UserValue::Text(scope.as_str()),
            )
            .await
        }
        .await,
    )
}

/// Deactivating a user also ends every session they have, on every instance.
#[server(name = SetUserActive, prefix = "/api", endpoint = "admin/set_user_active", output = leptos::server_fn::codec::Postcard)]
pub async fn set_user_active(id: String, active: bool) -> Result<(), AppError> {
    use super::store::{update_user_field, UserColumn, UserValue};
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            if admin.id == id && !active {
                return Err(AppError::validation("active", "You cannot deactivate yourself."));
            }
            update_user_field(&context.db, &admin.id, &id, UserColumn::Active, UserValue::Flag(active)).await?;
            if !active {
                crate::auth::store::delete_sessions_of(&context.db, &id).await?;
            }
            Ok(())
        }
        .await,
    )
}

/// The latest 200 changes of roles, scopes and active states (super admins only).
#[server(name = ListAuditLog, prefix = "/api", endpoint = "admin/audit_log", output = leptos::server_fn::codec::Postcard)]
pub async fn list_audit_log() -> Result<Vec<super::model::AuditEntry>, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            super::store::audit_log(&context.db, 200).await
        }
        .await,
    )
}

#[server(name = ListTeams, prefix = "/api", endpoint = "admin/list_teams", output = leptos::server_fn::codec::Postcard)]
pub async fn list_teams() -> Result<Vec<Team>, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            super::store::list_teams(&context.db).await
        }
        .await,
    )
}

#[server(name = CreateTeam, prefix = "/api", endpoint = "admin/create_team", output = leptos::server_fn::codec::Postcard)]
pub async fn create_team(name: String) -> Result<String, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            let name = super::model::parse_name("name", &name)?;
            super::store::insert_team(&context.db, &name).await
        }
        .await,
    )
}

#[server(name = SetTeamMember, prefix = "/api", endpoint = "admin/set_team_member", output = leptos::server_fn::codec::Postcard)]
pub async fn set_team_member(team_id: String, user_id: String, member: bool) -> Result<(), AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            super::store::set_team_member(&context.db, &team_id, &user_id, member).await
        }
        .await,
    )
}

/// Sets a new password for a user (an admin's reset): their sessions all end, and the
/// reset is in the audit log.
#[server(name = ResetPassword, prefix = "/api", endpoint = "admin/reset_password", output = leptos::server_fn::codec::Postcard)]
pub async fn reset_password(id: String, password: String) -> Result<(), AppError> {
    use crate::auth::session::{hash_password, require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            crate::limits::id(&id)?;
            super::model::check_password("password", &password)?;
            let hash = hash_password(&context, password).await?;
            crate::auth::store::set_password(&context.db, &id, &hash, None).await?;
            super::store::record_audit(&context.db, &admin.id, &id, "password reset").await?;
            tracing::info!(admin = admin.id, user = id, "password reset by an admin");
            Ok(())
        }
        .await,
    )
}
