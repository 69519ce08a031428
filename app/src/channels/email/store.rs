//! SQL for email channels. The SMTP password is stored sealed (`crypto`) and leaves this
//! module only towards the outgoing server.

use sqlx::FromRow;

use super::model::{check_channel, EmailChannel, ImapFields, SendingAddress, TlsMode};
use crate::auth::model::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::on_db;

/// How to reach a channel's outgoing server, password opened.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: String,
    /// `None` when none is stored, or when it was sealed under another secret key.
    pub password: Option<String>,
}

#[derive(FromRow)]
struct ChannelRow {
    id: String,
    address: String,
    display_name: String,
    signature_html: String,
    smtp_host: String,
    smtp_port: i64,
    smtp_tls: String,
    smtp_user: String,
    smtp_password: String,
    incoming_status_id: Option<String>,
    incoming_paused: bool,
    inbound_token_hash: String,
    imap_host: String,
    imap_port: i64,
    imap_tls: String,
    imap_user: String,
    imap_password: String,
    imap_folder: String,
    last_error: Option<String>,
    checked_at: Option<i64>,
}

impl ChannelRow {
    fn sending(&self) -> SendingAddress {
        SendingAddress {
            id: self.id.clone(),
            address: self.address.clone(),
            display_name: self.display_name.clone(),
            signature_html: self.signature_html.clone(),
        }
    }
}

const CHANNEL_COLUMNS: &str =
    "SELECT id, address, display_name, signature_html, smtp_host, smtp_port, smtp_tls, smtp_user,
        smtp_password, incoming_status_id, incoming_paused, inbound_token_hash, imap_host, imap_port, imap_tls,
        imap_user, imap_password, imap_folder, m.last_error, m.checked_at
     FROM email_channels LEFT JOIN mailbox_state m ON m.channel_id = email_channels.id";

/// Every channel, for the admins' Email settings (passwords left out).
pub async fn list_channels(db: &Db) -> AppResult<Vec<EmailChannel>> {
    let sql = format!("{CHANNEL_COLUMNS} ORDER BY lower(address)");
    let (rows, teams): (Vec<ChannelRow>, Vec<(String, String)>) = on_db!(db, pool => {
        let rows = sqlx::query_as(&sql).fetch_all(pool).await?;
        let teams = sqlx::query_as("SELECT channel_id, team_id FROM email_channel_teams").fetch_all(pool).await?;
        Ok::<_, sqlx::Error>((rows, teams))
    })?;
    Ok(rows
        .into_iter()
        .map(|r| EmailChannel {
            team_ids: teams
                .iter()
                .filter(|(c, _)| *c == r.id)
                .map(|(_, t)| t.clone())
                .collect(),
            smtp_tls: TlsMode::parse(&r.smtp_tls).unwrap_or(TlsMode::StartTls),
            smtp_port: u16::try_from(r.smtp_port).unwrap_or(587),
            has_password: !r.smtp_password.is_empty(),
            smtp_password: String::new(),
            id: r.id,
            address: r.address,
            display_name: r.display_name,
            signature_html: r.signature_html,
            smtp_host: r.smtp_host,
            smtp_user: r.smtp_user,
            incoming_status_id: r.incoming_status_id,
            incoming_paused: r.incoming_paused,
            has_inbound_token: !r.inbound_token_hash.is_empty(),
            imap: ImapFields {
                port: u16::try_from(r.imap_port).unwrap_or(993),
                tls: TlsMode::parse(&r.imap_tls).unwrap_or(TlsMode::Tls),
                has_password: !r.imap_password.is_empty(),
                password: String::new(),
                host: r.imap_host,
                user: r.imap_user,
                folder: r.imap_folder,
                last_error: r.last_error.unwrap_or_default(),
                checked_at: r.checked_at,
            },
        })
        .collect())
}

/// Creates or updates a channel (an empty password keeps the stored one) with its teams,
/// in one transaction. Returns its id.
pub async fn save_channel(db: &Db, secret_key: &[u8], channel: &EmailChannel) -> AppResult<String> {
    check_channel(channel)?;
    crate::limits::id(&channel.id)?;
    let signature = crate::conversations::html::sanitise(&channel.signature_html);
    let sealed = (!channel.smtp_password.is_empty()).then(|| super::crypto::seal(secret_key, &channel.smtp_password));
    let imap = &channel.imap;
    let imap_sealed = (!imap.password.is_empty()).then(|| super::crypto::seal(secret_key, &imap.password));
    let creating = channel.id.is_empty();
    let id = if creating {
        crate::db::new_id()
    } else {
        channel.id.clone()
    };
    let now = crate::db::now_millis();
    let mut teams = channel.team_ids.clone();
    teams.sort();
    teams.dedup();
    // The status new tickets land in: one that takes them, with its pipeline.
    let landing: Option<(String, String)> = match &channel.incoming_status_id {
        Some(status) => {
            crate::limits::id(status)?;
            let found: Option<(String, String)> = on_db!(db, pool => sqlx::query_as(
                "SELECT s.pipeline_id, s.id FROM statuses s JOIN pipelines p ON p.id = s.pipeline_id
                 WHERE s.id = $1 AND s.allows_creation = TRUE AND s.archived = FALSE AND p.archived = FALSE")
                .bind(status).fetch_optional(pool).await)?;
            Some(found.ok_or_else(|| {
                AppError::validation(
                    "incoming_status",
                    "Choose a status that takes new tickets: that one no longer does.",
                )
            })?)
        }
        None => None,
    };
    let (landing_pipeline, landing_status) = landing.unzip();
    let mut tx = db.begin_write().await?;
    let written = crate::on_tx!(&mut tx, conn => {
        let result = if creating {
            sqlx::query(
                "INSERT INTO email_channels (id, address, display_name, signature_html, smtp_host, smtp_port, smtp_tls,
                                             smtp_user, smtp_password, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(&id).bind(channel.address.trim()).bind(channel.display_name.trim()).bind(&signature)
                .bind(channel.smtp_host.trim()).bind(i64::from(channel.smtp_port)).bind(channel.smtp_tls.as_str())
                .bind(channel.smtp_user.trim()).bind(sealed.clone().unwrap_or_default()).bind(now)
                .execute(&mut **conn).await
        } else {
            sqlx::query(
                "UPDATE email_channels SET address = $1, display_name = $2, signature_html = $3, smtp_host = $4,
                        smtp_port = $5, smtp_tls = $6, smtp_user = $7, smtp_password = COALESCE($8, smtp_password)
                 WHERE id = $9")
                .bind(channel.address.trim()).bind(channel.display_name.trim()).bind(&signature)
                .bind(channel.smtp_host.trim()).bind(i64::from(channel.smtp_port)).bind(channel.smtp_tls.as_str())
                .bind(channel.smtp_user.trim()).bind(sealed.clone()).bind(&id)
                .execute(&mut **conn).await
        };
        match result {
            Ok(done) if !creating && done.rows_affected() == 0 => Ok(Err(AppError::NotFound)),
            Ok(_) => Ok(Ok(())),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Err(AppError::validation(
                "address", "Another channel already has this address.",
            ))),
            Err(e) => Err(e),
        }
    })?;
    written?;
    crate::on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE email_channels SET incoming_pipeline_id = $1, incoming_status_id = $2, incoming_paused = $3,
                    imap_host = $4, imap_port = $5, imap_tls = $6, imap_user = $7,
                    imap_password = COALESCE($8, imap_password), imap_folder = $9
             WHERE id = $10")
            .bind(&landing_pipeline).bind(&landing_status).bind(channel.incoming_paused)
            .bind(imap.host.trim()).bind(i64::from(imap.port)).bind(imap.tls.as_str()).bind(imap.user.trim())
            .bind(imap_sealed.clone()).bind(imap.folder.trim()).bind(&id)
            .execute(&mut **conn).await?;
        sqlx::query("DELETE FROM email_channel_teams WHERE channel_id = $1").bind(&id).execute(&mut **conn).await?;
        for team in &teams {
            sqlx::query(
                "INSERT INTO email_channel_teams (channel_id, team_id) SELECT $1, id FROM teams WHERE id = $2")
                .bind(&id).bind(team).execute(&mut **conn).await?;
        }
        Ok::<_, sqlx::Error>(())
    })?;
    tx.commit().await?;
    super::incoming::follow::wake();
    Ok(id)
}

/// The incoming server as an admin entered it, to test before saving: an empty password
/// is the one stored for the channel, if any.
pub async fn imap_settings_to_test(
    db: &Db,
    secret_key: &[u8],
    channel: &EmailChannel,
) -> AppResult<super::incoming::imap::ImapSettings> {
    check_channel(channel)?;
    let imap = &channel.imap;
    if imap.host.trim().is_empty() {
        return Err(AppError::validation(
            "imap_host",
            "Enter the incoming server's name, like imap.example.com.",
        ));
    }
    let password = if imap.password.is_empty() && !channel.id.is_empty() {
        crate::limits::id(&channel.id)?;
        let stored: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
            "SELECT imap_password FROM email_channels WHERE id = $1").bind(&channel.id).fetch_optional(pool).await)?;
        stored
            .filter(|(sealed,)| !sealed.is_empty())
            .and_then(|(sealed,)| super::crypto::open(secret_key, &sealed))
    } else {
        Some(imap.password.clone())
    };
    Ok(super::incoming::imap::ImapSettings {
        host: imap.host.trim().to_string(),
        port: imap.port,
        tls: imap.tls,
        user: imap.user.trim().to_string(),
        password,
        folder: imap.folder.trim().to_string(),
    })
}

/// The addresses `user` may send from: a super admin every channel, anyone else the
/// channels of their teams.
pub async fn sending_addresses(db: &Db, user: &CurrentUser) -> AppResult<Vec<SendingAddress>> {
    let sql = if user.role.is_admin() {
        format!("{CHANNEL_COLUMNS} WHERE $1 <> '' ORDER BY lower(address)")
    } else {
        format!(
            "{CHANNEL_COLUMNS} WHERE email_channels.id IN (SELECT ct.channel_id FROM email_channel_teams ct
                 JOIN team_members tm ON tm.team_id = ct.team_id WHERE tm.user_id = $1)
             ORDER BY lower(address)"
        )
    };
    let rows: Vec<ChannelRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(&user.id).fetch_all(pool).await)?;
    Ok(rows.iter().map(ChannelRow::sending).collect())
}

/// A channel's address and outgoing server, password opened.
pub async fn smtp_settings(db: &Db, secret_key: &[u8], id: &str) -> AppResult<Option<(SendingAddress, SmtpSettings)>> {
    let sql = format!("{CHANNEL_COLUMNS} WHERE email_channels.id = $1");
    let row: Option<ChannelRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
    Ok(row.map(|r| {
        let settings = SmtpSettings {
            host: r.smtp_host.clone(),
            port: u16::try_from(r.smtp_port).unwrap_or(587),
            tls: TlsMode::parse(&r.smtp_tls).unwrap_or(TlsMode::StartTls),
            user: r.smtp_user.clone(),
            password: (!r.smtp_password.is_empty())
                .then(|| super::crypto::open(secret_key, &r.smtp_password))
                .flatten(),
        };
        (r.sending(), settings)
    }))
}
