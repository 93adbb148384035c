/* graph_svg.c — draws a DOT graph as SVG with Graphviz's library (libgvc): no `dot`
 * subprocess. Graphviz reports its problems through a callback; they are collected into the
 * one-line error instead of being printed, since a missing plugin is the user's to fix. */
#include <graphviz/gvc.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "common/util.h"

static struct strbuf gv_messages;   /* Graphviz's complaints during one drawing */

/* Graphviz hands a message over in pieces ("Error", ": ", "Layout type: …\n"). */
static int collect(char *msg)
{
	sb_add(&gv_messages, msg);
	return 0;
}

/* The collected messages on one line, without their "Error: " and "Warning: " labels. */
static char *one_line(const char *text)
{
	struct strbuf sb;
	sb_init(&sb);
	for (const char *p = text ? text : ""; *p; p++) {
		if (str_starts(p, "Error: ") || str_starts(p, "Warning: ")) {
			p = strchr(p, ' ');
			continue;
		}
		if (*p == '\n' || *p == ' ') {
			if (sb.len && sb.buf[sb.len - 1] != ' ')
				sb_addc(&sb, ' ');
			continue;
		}
		sb_addc(&sb, *p);
	}
	while (sb.len && sb.buf[sb.len - 1] == ' ')
		sb.buf[--sb.len] = '\0';
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

/* Graphviz writes an XML prolog and doctype before the <svg> element: drop them. */
static char *svg_element(const char *data, unsigned len)
{
	const char *start = data ? strstr(data, "<svg") : NULL;
	if (!start)
		return NULL;
	return xstrndup(start, len - (size_t)(start - data));
}

static int fail(char **err, const char *what)
{
	char *why = one_line(gv_messages.buf);
	*err = xasprintf("Graphviz cannot %s the lock-order graph%s%s (install the graphviz package, "
	                 "which registers its layout and SVG plugins)", what, *why ? ": " : "", why);
	free(why);
	return -1;
}

int report_graph_svg(const char *dot, char **svg, char **err)
{
	*svg = NULL;
	*err = NULL;
	sb_free(&gv_messages);
	sb_init(&gv_messages);
	agusererrf old = agseterrf(collect);
	GVC_t *gvc = gvContext();
	Agraph_t *g = agmemread(dot);
	int rc = 0;
	char *data = NULL;
	unsigned len = 0;
	if (!g)
		rc = fail(err, "read");
	else if (gvLayout(gvc, g, "dot") != 0)
		rc = fail(err, "lay out");
	else if (gvRenderData(gvc, g, "svg", &data, &len) != 0 || !(*svg = svg_element(data, len)))
		rc = fail(err, "draw");
	if (data)
		gvFreeRenderData(data);
	if (g) {
		gvFreeLayout(gvc, g);
		agclose(g);
	}
	gvFreeContext(gvc);
	agseterrf(old);
	sb_free(&gv_messages);
	return rc;
}
