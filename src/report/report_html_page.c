/* report_html_page.c — the frame of the HTML report: head and style, the summary, the
 * filters (a checkbox per rule, severity and file, with counts), the lock-order graph and
 * the script. The page fetches nothing (its Content-Security-Policy forbids it): style and
 * script are inline, the graph is inline SVG, fonts are the system's. The script reads the
 * findings from the DOM (data-* attributes), so no database text is ever inside <script>. */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2330;"
	"background:#f6f7f9}\n"
	"header.top{background:#1d2330;color:#fff;padding:14px 24px}\n"
	"header.top h1{margin:0;font-size:20px}\n"
	"header.top p{margin:4px 0 0;color:#c9cfdb}\n"
	"main{display:flex;gap:20px;padding:16px 24px;align-items:flex-start}\n"
	"#filters{position:sticky;top:12px;flex:0 0 260px;background:#fff;border:1px solid #dde1e8;"
	"border-radius:6px;padding:10px 12px;max-height:calc(100vh - 40px);overflow:auto}\n"
	"#filters fieldset{border:0;margin:0 0 10px;padding:0}\n"
	"#filters legend{font-weight:600;padding:0;margin-bottom:2px}\n"
	"#filters label{display:flex;gap:6px;align-items:baseline;word-break:break-all;cursor:pointer}\n"
	"#filters .count{margin-left:auto;color:#6b7385;font-variant-numeric:tabular-nums}\n"
	"#filters button{font-size:11px;margin:0 4px 4px 0;cursor:pointer}\n"
	"#content{flex:1;min-width:0}\n"
	"section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:8px 16px;"
	"margin-bottom:16px}\n"
	"h2{font-size:17px;margin:8px 0}\n"
	"article.finding{border-top:1px solid #e6e9ef;padding:10px 0}\n"
	"article.finding h3{font-size:15px;margin:0 0 4px}\n"
	".sev{display:inline-block;border-radius:3px;padding:0 6px;color:#fff;font-size:12px;"
	"text-transform:uppercase;background:#2f7bbf}\n"
	"article[data-severity=error] .sev{background:#c62828}\n"
	"article[data-severity=warning] .sev{background:#a5560b}\n"
	".rule{color:#8a3ab9;font-weight:normal}\n"
	".meta{color:#6b7385;margin:0 0 6px;font-size:12px}\n"
	".confirmed{color:#1b7f3b;font-weight:600}\n"
	".suppressed{color:#6b7385;font-style:italic;margin:0 0 6px}\n"
	".loc{margin:6px 0 6px 4px;padding-left:10px;border-left:3px solid #c9d3e6}\n"
	".loc.primary{border-left-color:#6b8fd6}\n"
	".loc p{margin:2px 0}\n"
	".where{font-family:ui-monospace,monospace;font-weight:600}\n"
	"pre.snippet{background:#f3f5f8;border:1px solid #e1e5ec;border-radius:4px;margin:4px 0;"
	"padding:4px 0;overflow-x:auto;tab-size:4;font-size:12.5px}\n"
	"pre.snippet .line{display:block;padding:0 8px}\n"
	"pre.snippet .hit{background:#fde3e1;box-shadow:inset 3px 0 #c62828}\n"
	"pre.snippet .ln{display:inline-block;width:3.5em;color:#8f97a6;user-select:none}\n"
	".nosrc{color:#8f97a6;font-style:italic}\n"
	"ol.stack{margin:2px 0;padding-left:2.2em;font-size:12.5px}\n"
	"ol.stack .file{color:#4b5366;font-family:ui-monospace,monospace}\n"
	"details.help{margin:4px 0;color:#4b5366}\n"
	"#graph .picture{overflow:auto;max-height:80vh}\n"
	"#graph .picture svg{height:auto}\n"
	"#graph .picture:not(.whole) svg{max-width:100%}\n"
	".unavailable{color:#6b7385;font-style:italic}\n"
	".legend{color:#6b7385;font-size:12px}\n"
	".legend .red{color:#cc0000;font-weight:600}\n";

/* Shows a finding when its rule, severity and file are all ticked (and, if suppressed, when
 * suppressed ones are asked for); each count says how many findings that value would show
 * given the other filters. */
static const char script[] =
	"(function () {\n"
	"  'use strict';\n"
	"  var findings = Array.prototype.slice.call(document.querySelectorAll('article.finding'));\n"
	"  var groups = Array.prototype.slice.call(document.querySelectorAll('fieldset[data-filter]'));\n"
	"  var suppressed = document.getElementById('show-suppressed');\n"
	"  function ticked(group) {\n"
	"    var set = {};\n"
	"    group.querySelectorAll('input[type=checkbox]').forEach(function (box) {\n"
	"      if (box.checked) set[box.value] = true;\n"
	"    });\n"
	"    return set;\n"
	"  }\n"
	"  function passes(f, sets, except) {\n"
	"    for (var key in sets)\n"
	"      if (key !== except && !sets[key][f.dataset[key]]) return false;\n"
	"    return suppressed.checked || f.dataset.suppressed !== '1';\n"
	"  }\n"
	"  function update() {\n"
	"    var sets = {};\n"
	"    groups.forEach(function (g) { sets[g.dataset.filter] = ticked(g); });\n"
	"    var shown = 0;\n"
	"    findings.forEach(function (f) {\n"
	"      f.hidden = !passes(f, sets, null);\n"
	"      if (!f.hidden) shown++;\n"
	"    });\n"
	"    groups.forEach(function (g) {\n"
	"      var key = g.dataset.filter;\n"
	"      g.querySelectorAll('label[data-value]').forEach(function (label) {\n"
	"        var n = findings.filter(function (f) {\n"
	"          return f.dataset[key] === label.dataset.value && passes(f, sets, key);\n"
	"        }).length;\n"
	"        label.querySelector('.count').textContent = n;\n"
	"      });\n"
	"    });\n"
	"    document.getElementById('shown-count').textContent = shown;\n"
	"    document.getElementById('none-shown').hidden = shown !== 0;\n"
	"  }\n"
	"  groups.forEach(function (g) {\n"
	"    g.querySelectorAll('button[data-tick]').forEach(function (b) {\n"
	"      b.addEventListener('click', function () {\n"
	"        g.querySelectorAll('input[type=checkbox]').forEach(function (box) {\n"
	"          box.checked = b.dataset.tick === 'all';\n"
	"        });\n"
	"        update();\n"
	"      });\n"
	"    });\n"
	"  });\n"
	"  document.getElementById('filters').addEventListener('change', update);\n"
	"  update();\n"
	"})();\n";

struct facet {
	const char *value;
	int count;          /* unsuppressed findings with this value: what the page first shows */
};

struct facets {
	struct facet *v;
	int n, cap;
};

static void facet_add(struct facets *fs, const char *value, int suppressed)
{
	for (int i = 0; i < fs->n; i++)
		if (str_eq(fs->v[i].value, value)) {
			fs->v[i].count += !suppressed;
			return;
		}
	grow_array((void **)&fs->v, &fs->cap, fs->n, sizeof *fs->v);
	fs->v[fs->n++] = (struct facet){.value = value, .count = !suppressed};
}

static int severity_rank(const char *s)
{
	return str_eq(s, "error") ? 0 : str_eq(s, "warning") ? 1 : str_eq(s, "note") ? 2 : 3;
}

static int cmp_value(const void *a, const void *b)
{
	return strcmp(((const struct facet *)a)->value, ((const struct facet *)b)->value);
}

static int cmp_severity(const void *a, const void *b)
{
	const char *x = ((const struct facet *)a)->value, *y = ((const struct facet *)b)->value;
	int d = severity_rank(x) - severity_rank(y);
	return d ? d : strcmp(x, y);
}

static void put_facets(FILE *out, const struct finding_list *l, const char *key, const char *title,
                       const char *(*value_of)(const struct finding *),
                       int (*cmp)(const void *, const void *))
{
	struct facets fs = {0};
	for (int i = 0; i < l->n; i++)
		facet_add(&fs, value_of(&l->items[i]), l->items[i].suppressed);
	if (fs.n)
		qsort(fs.v, (size_t)fs.n, sizeof *fs.v, cmp);
	fprintf(out, "<fieldset data-filter=\"%s\"><legend>%s</legend>\n"
	             "<button type=\"button\" data-tick=\"all\">all</button>"
	             "<button type=\"button\" data-tick=\"none\">none</button>\n", key, title);
	for (int i = 0; i < fs.n; i++) {
		fputs("<label data-value=\"", out);
		put_markup(out, fs.v[i].value, 1);
		fputs("\"><input type=\"checkbox\" checked value=\"", out);
		put_markup(out, fs.v[i].value, 1);
		fputs("\"> <span class=\"value\">", out);
		put_markup(out, fs.v[i].value, 0);
		fprintf(out, "</span> <span class=\"count\">%d</span></label>\n", fs.v[i].count);
	}
	fputs("</fieldset>\n", out);
	free(fs.v);
}

static void put_summary(FILE *out, const struct finding_list *l, const struct report_opts *o)
{
	int count[4] = {0}, suppressed = 0;
	for (int i = 0; i < l->n; i++) {
		if (l->items[i].suppressed)
			suppressed++;
		else
			count[severity_rank(html_severity(&l->items[i]))]++;
	}
	int n = count[0] + count[1] + count[2] + count[3];
	fprintf(out, "<p id=\"summary\">%d finding%s (%d error%s, %d warning%s, %d note%s)", n,
	        n == 1 ? "" : "s", count[0], count[0] == 1 ? "" : "s", count[1],
	        count[1] == 1 ? "" : "s", count[2] + count[3], count[2] + count[3] == 1 ? "" : "s");
	if (suppressed)
		fprintf(out, ", %d suppressed", suppressed);
	fputs(" · tsafe ", out);
	put_markup(out, o->tool_version ? o->tool_version : TSAFE_VERSION, 0);
	fputs("</p>\n", out);
}

void html_page_start(FILE *out, const struct finding_list *l, const struct report_opts *o)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	      "<link rel=\"icon\" href=\"data:,\">\n"
	      "<title>tsafe report</title>\n<style>\n", out);
	fputs(style, out);
	fputs("</style>\n</head>\n<body>\n<header class=\"top\">\n<h1>tsafe report</h1>\n", out);
	put_summary(out, l, o);
	fputs("</header>\n<main>\n<nav id=\"filters\">\n", out);
	put_facets(out, l, "rule", "Rule", html_rule, cmp_value);
	put_facets(out, l, "severity", "Severity", html_severity, cmp_severity);
	put_facets(out, l, "file", "File", html_file, cmp_value);
	int suppressed = 0;
	for (int i = 0; i < l->n; i++)
		suppressed += l->items[i].suppressed != 0;
	fprintf(out, "<label><input type=\"checkbox\" id=\"show-suppressed\"> show suppressed "
	             "<span>%d</span></label>\n"
	             "<p>showing <span id=\"shown-count\">%d</span> of %d</p>\n</nav>\n"
	             "<div id=\"content\">\n", suppressed, l->n - suppressed, l->n);
}

static void put_graph(FILE *out, const struct report_opts *o)
{
	fputs("<section id=\"graph\">\n<h2>Lock-order graph</h2>\n", out);
	if (o->graph_svg) {
		fputs("<p class=\"legend\">A node is a lock class; an edge A → B means a thread acquired B "
		      "while holding A, labelled with where. <span class=\"red\">Red</span>: the edges of a "
		      "reported cycle (lock-order inversion or deadlock). Dashed: only ever a trylock. "
		      "Hover an edge for both acquisitions.</p>\n", out);
		if (o->graph_full_svg)
			fprintf(out, "<p class=\"legend\">The reported cycles and the locks one edge from "
			        "them: %d of %d locks, %d of %d orders.</p>\n", o->graph_nodes,
			        o->graph_total_nodes, o->graph_edges, o->graph_total_edges);
		fputs("<div class=\"picture\">\n", out);
		fputs(o->graph_svg, out);   /* Graphviz's output: it escapes the labels it draws */
		fputs("</div>\n", out);
	} else {
		fputs("<p class=\"unavailable\">", out);
		put_markup(out, o->graph_note ? o->graph_note
		           : "The lock-order graph is drawn by 'tsafe report --format html'.", 0);
		fputs("</p>\n", out);
	}
	if (o->graph_full_svg) {
		fprintf(out, "<details id=\"whole-graph\"%s><summary>The whole graph: %d locks, %d "
		        "orders</summary>\n<div class=\"picture whole\">\n", o->graph_svg ? "" : " open",
		        o->graph_total_nodes, o->graph_total_edges);
		fputs(o->graph_full_svg, out);
		fputs("</div>\n</details>\n", out);
	}
	fputs("</section>\n", out);
}

void html_page_end(FILE *out, const struct report_opts *o)
{
	put_graph(out, o);
	fputs("</div>\n</main>\n<script>\n", out);
	fputs(script, out);
	fputs("</script>\n</body>\n</html>\n", out);
}
