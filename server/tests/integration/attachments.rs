//! Files on replies (MISSION R6, issue 11): uploaded onto the sender's draft, private to
//! them until sent, sent as real MIME attachments, downloadable by whoever may see the
//! ticket and by nobody else, refused over the reply's limit with a clear message (nothing
//! left behind), put back onto the draft by Undo and removed with a discarded draft.

use app::conversations::attachments::Attachment;
use app::conversations::model::{Draft, DraftSaved, SendOutcome};

use crate::common::{answer, Answer, Client, Engine, TestApp};
use crate::drafts::save;
use crate::sending::{desk, scheduled, send, ticket, wait_for_mail, Desk, TICKET};

/// The test instances' limit for the files of one reply (`common::config`).
const LIMIT: usize = 2 * 1024 * 1024;

async fn upload(client: &Client, conversation: &str, name: &str, content_type: &str, bytes: Vec<u8>) -> Answer {
    let url = format!(
        "{}/files?conversation={}&name={}",
        client.base,
        app::kit::urlencode(conversation),
        app::kit::urlencode(name)
    );
    let response = client
        .http
        .post(url)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    answer(response).await
}

/// The same upload without a declared length (chunked), as a client that lies or streams.
/// The server may answer and close the connection before the client has sent everything:
/// then there is no answer to read (`None`).
async fn upload_streamed(client: &Client, conversation: &str, bytes: Vec<u8>) -> Option<Answer> {
    let url = format!(
        "{}/files?conversation={}&name=big.bin",
        client.base,
        app::kit::urlencode(conversation)
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let response = client
        .http
        .post(url)
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .ok()?;
    Some(answer(response).await)
}

async fn stored_rows(app: &TestApp) -> i64 {
    let (count,): (i64,) = app::on_db!(&app.db, pool => sqlx::query_as("SELECT COUNT(*) FROM attachments")
        .fetch_one(pool).await)
    .unwrap();
    count
}

/// Files in the instance's files folder (finished or partial).
fn files_on_disk(app: &TestApp) -> usize {
    std::fs::read_dir(&app.files_dir).map(|d| d.count()).unwrap_or(0)
}

async fn files_go_out_with_the_reply_and_only_those_who_may_see_them_download(engine: Engine) {
    let Desk {
        app,
        mailbox,
        admin,
        agent,
    } = desk(engine, 0).await;
    let detail = ticket(&agent, TICKET).await;
    let conversation = detail.conversations[0].id.clone();
    // Not text, so the mail carries it base64-encoded.
    let pdf = [
        b"%PDF-1.4 the corrected invoice ".as_slice(),
        &[0xff, 0xfe, 0x00, 0x80, 0x81],
    ]
    .concat();
    let attached: Attachment = upload(
        &agent,
        &conversation,
        "../Invoice 1042 (fixed).pdf",
        "application/pdf",
        pdf.clone(),
    )
    .await
    .ok();
    assert_eq!(
        attached.file_name, "Invoice 1042 (fixed).pdf",
        "no folder survives in the name"
    );
    assert_eq!(attached.content_type, "application/pdf");
    assert_eq!(attached.size, pdf.len() as i64);

    // On the draft, once it exists, for its author only.
    save(&agent, &conversation, 0, "<p>Attached.</p>", &[])
        .await
        .ok::<DraftSaved>();
    let draft: Option<Draft> = agent
        .call("get_draft", &[("conversation_id", &conversation)])
        .await
        .ok();
    let draft = draft.unwrap();
    assert_eq!(draft.attachments, vec![attached.clone()]);
    assert_eq!(draft.content.attachments, vec![attached.id.clone()]);
    let download = agent.get(&format!("/files/{}", attached.id)).await;
    assert_eq!(download.status(), 200);
    let headers = download.headers().clone();
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert!(headers["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(download.bytes().await.unwrap().to_vec(), pdf);
    // Before it is sent, nobody else sees it: not another agent, not an admin.
    assert_eq!(admin.get(&format!("/files/{}", attached.id)).await.status(), 404);
    let removed_by_other = admin.call("remove_attachment", &[("id", &attached.id)]).await;
    assert_eq!(removed_by_other.status, 404);
    // Logged out: the login page.
    assert_eq!(app.client().get(&format!("/files/{}", attached.id)).await.status(), 303);
    assert_eq!(
        upload(&app.client(), &conversation, "x.txt", "text/plain", b"x".to_vec())
            .await
            .status,
        401
    );

    // Sent: a real attachment beside the text and HTML parts.
    let sent = send(
        &agent,
        &detail,
        "<p>Attached.</p>",
        &[("content][attachments][0", &attached.id)],
    )
    .await;
    let message_id = scheduled(sent);
    let mail = wait_for_mail(&mailbox, 1).await.remove(0).text();
    assert!(mail.contains("multipart/mixed"), "{mail}");
    assert!(mail.contains("Content-Type: application/pdf"), "{mail}");
    assert!(mail.contains("Invoice 1042 (fixed).pdf"), "{mail}");
    use base64_check::encoded;
    assert!(
        mail.contains(&encoded(&pdf)),
        "the file's bytes, base64, are in the mail"
    );

    // On the message in the thread; now everyone who may see the ticket can download it.
    let after = ticket(&agent, TICKET).await;
    let message = after.conversations[0]
        .messages
        .iter()
        .find(|m| m.id == message_id)
        .unwrap();
    assert_eq!(message.attachments, vec![attached.clone()]);
    assert_eq!(admin.get(&format!("/files/{}", attached.id)).await.status(), 200);
    // A sent file is the message's: it cannot be removed from a draft.
    assert_eq!(
        agent.call("remove_attachment", &[("id", &attached.id)]).await.status,
        404
    );
    // Someone whose scope does not reach the ticket gets nothing, whatever the id.
    let outsider = crate::hardening::new_user(&app, &admin, "own@demo.test", "own-password-1", "HelpDesk", "Own").await;
    assert_eq!(outsider.get(&format!("/files/{}", attached.id)).await.status(), 404);
    assert_eq!(
        upload(&outsider, &conversation, "x.txt", "text/plain", b"x".to_vec())
            .await
            .status,
        404
    );
    assert_eq!(outsider.get("/files/not-an-id").await.status(), 404);
    assert_eq!(outsider.get(&format!("/files/{}", "x".repeat(500))).await.status(), 404);
}

async fn over_the_limit_is_refused_clearly_and_leaves_nothing(engine: Engine) {
    let Desk {
        app,
        mailbox: _mailbox,
        admin: _admin,
        agent,
    } = desk(engine, 0).await;
    let detail = ticket(&agent, TICKET).await;
    let conversation = detail.conversations[0].id.clone();
    let first: Attachment = upload(
        &agent,
        &conversation,
        "photo.jpg",
        "image/jpeg",
        vec![7u8; LIMIT / 2 + 1024],
    )
    .await
    .ok();
    // The composer asks first what room is left.
    let room: app::conversations::attachments::Room = agent
        .call("attachment_room", &[("conversation_id", &conversation)])
        .await
        .ok();
    assert_eq!((room.limit, room.attached, room.files), (LIMIT as i64, first.size, 1));
    // With a declared length: refused before a byte is read.
    let declared = upload(&agent, &conversation, "scan.tif", "image/tiff", vec![1u8; LIMIT / 2]).await;
    assert_eq!(declared.status, 413, "{}", declared.body);
    let message = declared.body.to_string();
    assert!(
        message.contains("2.0 MB together") && message.contains("1.0 MB is attached already"),
        "{message}"
    );
    // Streamed without a length: cut off once past the room left, and nothing kept.
    if let Some(streamed) = upload_streamed(&agent, &conversation, vec![2u8; LIMIT]).await {
        assert_eq!(streamed.status, 413, "{}", streamed.body);
    }
    assert_eq!(stored_rows(&app).await, 1);
    assert_eq!(files_on_disk(&app), 1, "no partial file is left behind");
    // A hostile name and type are stored harmless.
    let hostile: Attachment = upload(
        &agent,
        &conversation,
        "evil\u{202E}gpj.exe\r\nBcc: x@evil.test",
        "text/html; charset=\"utf-8\"\tx",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await
    .ok();
    assert!(!hostile.file_name.contains('\u{202E}') && !hostile.file_name.contains('\n'));
    assert_eq!(hostile.content_type, "application/octet-stream");
    // Removing frees the room again, and the bytes go.
    assert_eq!(agent.call("remove_attachment", &[("id", &first.id)]).await.status, 200);
    assert_eq!(files_on_disk(&app), 1);
    let again = upload(&agent, &conversation, "scan.tif", "image/tiff", vec![1u8; LIMIT / 2]).await;
    assert_eq!(again.status, 200, "{}", again.body);
    // A send naming a file that is not on the draft sends nothing.
    let bogus = send(&agent, &detail, "<p>Hi</p>", &[("content][attachments][0", &first.id)]).await;
    assert_eq!(bogus.status, 422, "{}", bogus.body);
    assert!(bogus.body.to_string().contains("removed meanwhile"), "{}", bogus.body);
}

async fn undo_puts_files_back_and_discarding_removes_them(engine: Engine) {
    let Desk {
        app,
        mailbox,
        admin: _admin,
        agent,
    } = desk(engine, 30).await;
    let detail = ticket(&agent, TICKET).await;
    let conversation = detail.conversations[0].id.clone();
    let file: Attachment = upload(&agent, &conversation, "notes.txt", "text/plain", b"notes".to_vec())
        .await
        .ok();
    let sent = send(
        &agent,
        &detail,
        "<p>See notes.</p>",
        &[("content][attachments][0", &file.id)],
    )
    .await;
    let message_id = match sent.ok::<SendOutcome>() {
        SendOutcome::Scheduled { message_id, .. } => message_id,
        other => panic!("{other:?}"),
    };
    assert!(agent
        .call("get_draft", &[("conversation_id", &conversation)])
        .await
        .ok::<Option<Draft>>()
        .is_none());
    assert_eq!(
        agent.call("undo_send", &[("message_id", &message_id)]).await.status,
        200
    );
    let draft: Draft = agent
        .call("get_draft", &[("conversation_id", &conversation)])
        .await
        .ok::<Option<Draft>>()
        .unwrap();
    assert_eq!(draft.attachments, vec![file.clone()], "the file is back on the draft");
    assert_eq!(draft.content.attachments, vec![file.id.clone()]);
    // Discarding the draft removes its files, rows and bytes.
    let discarded = agent
        .call(
            "discard_draft",
            &[
                ("conversation_id", &conversation),
                ("version", &draft.version.to_string()),
            ],
        )
        .await;
    assert_eq!(discarded.status, 200);
    assert_eq!(stored_rows(&app).await, 0);
    assert_eq!(files_on_disk(&app), 0);
    assert!(mailbox.received().is_empty(), "nothing went out");
}

/// Base64 as a mail encodes a small file (one line), to find the bytes in what arrived.
mod base64_check {
    pub fn encoded(bytes: &[u8]) -> String {
        const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

on_both_engines!(
    files_go_out_with_the_reply_and_only_those_who_may_see_them_download,
    over_the_limit_is_refused_clearly_and_leaves_nothing,
    undo_puts_files_back_and_discarding_removes_them,
);
