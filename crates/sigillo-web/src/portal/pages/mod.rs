//! One module per group of portal pages.

pub mod account;
pub mod area;
pub mod flows;
pub mod home;
pub mod login;
