//! The integration tests, one binary (each test binary links the whole server, so one
//! binary links it once): every test starts the real app on port 0 against a fresh
//! SQLite file or PostgreSQL database and talks to it over HTTP, once per engine.

#[macro_use]
mod common;

mod access;
mod admin;
mod attachments;
mod auth;
mod contacts;
mod drafts;
mod hardening;
mod imap;
mod incoming;
mod saved_views;
mod schema;
mod sending;
mod serving;
mod settings;
mod tickets;
