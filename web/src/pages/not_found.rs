//! The page for addresses that lead nowhere.

use leptos::prelude::*;
use leptos_router::components::A;

/// A friendly dead end with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="centered">
            <section class="card narrow" aria-labelledby="nf-title">
                <h1 id="nf-title">"Page not found"</h1>
                <p>"There is nothing at this address. Check the link you followed, or start again from the home page."</p>
                <A href="/" attr:class="button">"Go to the home page"</A>
            </section>
        </main>
    }
}
