//! The Portcullis single-page app: branded portal sign-in and the signed-in home.

mod api;
mod pages;
mod session;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::pages::{
    admin::AdminPage, home::Home, invite::InvitePage, not_found::NotFound, portal::PortalPage,
};

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// Routes: `/` introduces Portcullis; `/p/{slug}` and everything under it is a portal.
#[component]
fn App() -> impl IntoView {
    session::provide();
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/admin") view=AdminPage/>
                <Route path=path!("/admin/*rest") view=AdminPage/>
                <Route path=path!("/invite/:token") view=InvitePage/>
                <Route path=path!("/p/:slug/invite/:token") view=InvitePage/>
                <Route path=path!("/p/:slug") view=PortalPage/>
                <Route path=path!("/p/:slug/*rest") view=PortalPage/>
            </Routes>
        </Router>
    }
}
