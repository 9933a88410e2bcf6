import Mustache

/// `GET /`: the status page, server-rendered from ``StatusPageModel`` with a template compiled into
/// the binary, and a few lines of JavaScript that fetch the page again every 5 seconds and swap
/// its content in (no build step, no CDN; readable at a phone's width).
package enum StatusPage {
    package static func render(_ model: StatusPageModel) -> String {
        Self.template.render(model)
    }

    // The template is a constant: a parse failure is a programming error, caught by the tests.
    private static let template = try! MustacheTemplate(string: Self.source)

    private static let source = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Replicator</title>
        <style>
        body { font: 15px/1.4 system-ui, sans-serif; margin: 0; color: #1d2327; background: #f6f7f7; }
        header { background: #1d2327; color: #fff; padding: 10px 16px; display: flex; flex-wrap: wrap;
          gap: 4px 16px; align-items: baseline; }
        header h1 { font-size: 18px; margin: 0; }
        main { padding: 8px 16px 24px; }
        section { background: #fff; border: 1px solid #dcdcde; border-radius: 6px; margin: 12px 0; padding: 8px 12px; }
        h2 { font-size: 16px; margin: 4px 0 8px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 4px 8px 4px 0; border-top: 1px solid #f0f0f1; vertical-align: top;
          overflow-wrap: anywhere; }
        th { font-weight: 600; font-size: 13px; color: #50575e; border-top: 0; }
        code { font-size: 13px; background: #f0f0f1; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
        summary h2 { display: inline; }
        details summary { cursor: pointer; }
        .bad { color: #b32d2e; font-weight: 600; }
        .good { color: #00803a; font-weight: 600; }
        .muted { color: #646970; }
        #stale { display: none; background: #fcf0f1; color: #b32d2e; padding: 6px 16px; }
        @media (max-width: 600px) { th.wide, td.wide { display: none; } body { font-size: 14px; } }
        </style>
        </head>
        <body>
        <header><h1>Replicator</h1>
        <span id="health" class="{{#isHealthy}}good{{/isHealthy}}{{^isHealthy}}bad{{/isHealthy}}">{{health}}</span>
        <span>{{pendingEvents}} pending events, oldest {{oldestPending}}</span>
        <span class="muted">updated <span id="updated">{{generatedAt}}</span></span></header>
        <div id="stale">The daemon does not answer; this page shows its last state.</div>
        <main id="content">
        {{#storeError}}<section><h2 class="bad">Task store</h2><p>{{.}}</p></section>{{/storeError}}
        {{#configurationError}}<section><h2 class="bad">Configuration</h2><p>{{.}}</p></section>{{/configurationError}}
        <section id="failing"><h2>Failing URLs</h2>
        {{#failing}}<p><span class="bad">{{remote}} {{project}}</span> <code>{{url}}</code><br>
        {{kind}} since {{since}}: {{error}}<br><span class="muted">next retry {{nextRetry}}</span></p>{{/failing}}
        {{^failing}}<p class="muted">None.</p>{{/failing}}
        </section>
        <section id="held"><h2>Held pushes</h2>
        {{#held}}<p><span class="bad">{{remote}} {{project}}</span> <code>{{url}}</code>:
        {{reason}}<br>Release it once with <code>{{release}}</code></p>{{/held}}
        {{^held}}<p class="muted">None.</p>{{/held}}
        </section>
        <section id="refused"><h2>Refused refs</h2>
        {{#refused}}<p><span class="bad">{{remote}} {{project}}</span> <code>{{url}}</code><br>{{refused}}</p>{{/refused}}
        {{^refused}}<p class="muted">None: the last push to every URL had no ref refused.</p>{{/refused}}
        </section>
        {{#hasWebhooks}}<section id="webhooks"><h2>Webhooks</h2>{{/hasWebhooks}}
        {{#webhooks}}<p><span class="{{#isFailing}}bad{{/isFailing}}">{{state}}</span> <code>{{url}}</code><br>
        <span class="muted">{{detail}}</span></p>{{/webhooks}}
        {{#hasWebhooks}}</section>{{/hasWebhooks}}
        <section id="pushes"><h2>Pending and running pushes</h2><div class="scroll"><table>
        <tr><th>Project</th><th>State</th><th>Age</th><th>Refs</th><th class="wide">URL</th></tr>
        {{#pushes}}<tr><td>{{project}}</td><td>{{state}}</td><td>{{age}}</td><td><code>{{work}}</code></td>
        <td class="wide"><code>{{remote}} {{url}}</code></td></tr>{{/pushes}}
        {{^pushes}}<tr><td colspan="5" class="muted">Nothing queued.</td></tr>{{/pushes}}
        </table></div></section>
        <section id="remotes"><h2>Remotes</h2><div class="scroll"><table>
        <tr><th>Remote</th><th>Pending</th><th>Running</th><th>Oldest</th><th class="wide">URLs</th></tr>
        {{#remotes}}<tr><td>{{name}}</td><td>{{queueDepth}}</td><td>{{inFlight}}</td><td>{{oldest}}</td>
        <td class="wide"><code>{{urls}}</code></td></tr>{{/remotes}}
        {{^remotes}}<tr><td colspan="5" class="muted">No remote is configured.</td></tr>{{/remotes}}
        </table></div></section>
        <section id="drift"><h2>Drift at the last verify</h2><div class="scroll"><table>
        <tr><th>Project</th><th>Result</th><th>Differences</th><th class="wide">When</th><th class="wide">URL</th></tr>
        {{#drift}}<tr><td>{{project}}</td><td class="bad">{{result}}</td><td>{{differences}}</td>
        <td class="wide">{{at}}</td><td class="wide"><code>{{remote}} {{url}}</code></td></tr>{{/drift}}
        {{^drift}}<tr><td colspan="5" class="muted">{{#hasVerifies}}No differences at the last verify.{{/hasVerifies}}\
        {{^hasVerifies}}No verify yet (remote.NAME.reconcileInterval).{{/hasVerifies}}</td></tr>{{/drift}}
        </table></div>
        <details><summary>{{inSyncCount}} in sync</summary><div class="scroll"><table>
        {{#inSync}}<tr><td>{{project}}</td><td>{{result}}</td><td class="wide">{{at}}</td>
        <td class="wide"><code>{{remote}} {{url}}</code></td></tr>{{/inSync}}
        </table></div>{{#moreInSync}}<p class="muted">and {{moreInSync}} more (all in GET /status)</p>{{/moreInSync}}
        </details></section>
        <section id="latency"><details><summary><h2>Last push per URL</h2></summary><div class="scroll"><table>
        <tr><th>Project</th><th>Took</th><th>Last success</th><th class="wide">URL</th></tr>
        {{#latencies}}<tr><td>{{project}}</td><td>{{lastPush}}</td><td>{{lastSuccess}}</td>
        <td class="wide"><code>{{remote}} {{url}}</code></td></tr>{{/latencies}}
        {{^latencies}}<tr><td colspan="4" class="muted">No push yet.</td></tr>{{/latencies}}
        </table></div>{{#moreLatencies}}<p class="muted">and {{moreLatencies}} more (all in GET /status)</p>{{/moreLatencies}}
        </details></section>
        </main>
        <script>
        // Fetch the page again every 5 s and swap its content in; say so when the daemon is gone.
        async function refresh() {
          try {
            const response = await fetch(location.href, { cache: "no-store", credentials: "same-origin" });
            if (!response.ok) throw new Error(response.status);
            const page = new DOMParser().parseFromString(await response.text(), "text/html");
            // Sections the reader opened stay open across the swap.
            const open = [...document.querySelectorAll("details[open]")].map((d) => d.closest("section").id);
            for (const id of ["content", "health", "updated"]) {
              document.getElementById(id).replaceWith(page.getElementById(id));
            }
            for (const id of open) document.querySelector(`#${id} details`)?.setAttribute("open", "");
            document.querySelector("header span:nth-of-type(2)").textContent =
              page.querySelector("header span:nth-of-type(2)").textContent;
            document.getElementById("stale").style.display = "none";
          } catch (error) {
            document.getElementById("stale").style.display = "block";
          }
        }
        setInterval(refresh, 5000);
        // Whether anything is wider than the window (the tests load the page at a phone's width).
        addEventListener("load", () => {
          document.documentElement.dataset.overflow = document.documentElement.scrollWidth > innerWidth;
        });
        </script>
        </body>
        </html>

        """
}
