//! Portcullis server library.
