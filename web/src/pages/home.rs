//! The installation's front page.

use leptos::prelude::*;

/// What Portcullis is, and where to go.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <main class="centered">
            <section class="card narrow" aria-labelledby="home-title">
                <h1 id="home-title">"Portcullis"</h1>
                <p>"The secure customer and partner portal for your CRM. Customers follow their deals, documents and requests; partners register deals, track referrals and commissions, and co-sell."</p>
                <p>"Your portal's address looks like "<code>"/p/your-company"</code>". Ask your account team for the link."</p>
                <p><a href="/api/docs/" rel="external">"API reference"</a></p>
            </section>
        </main>
    }
}
