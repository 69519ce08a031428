//! The workspace shell: top bar, left panel of views, ticket list, open ticket (MISSION W1).

pub mod ui;
