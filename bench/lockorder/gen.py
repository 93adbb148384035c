#!/usr/bin/env python3
"""gen.py N [--inversion] — a C program with N lock classes nested in one consistent order.

Two worker threads each take lock 0, then 1, ... then N-1 while holding all the earlier ones
(N*(N-1)/2 lock-order edges), then release them. With --inversion a third thread, started
after the workers were joined (so the run never hangs), takes lock N-1 and then lock 0: one
inversion, whose shortest cycle is lock 0 -> lock N-1 -> lock 0.
"""
import sys


def program(n, inversion):
    out = ["#include <pthread.h>", ""]
    out += [f"static pthread_mutex_t m{i} = PTHREAD_MUTEX_INITIALIZER;" for i in range(n)]
    body = [f"\tpthread_mutex_lock(&m{i});" for i in range(n)]
    body += [f"\tpthread_mutex_unlock(&m{i});" for i in reversed(range(n))]
    out.append("\nstatic void *worker(void *arg)\n{\n" + "\n".join(body) + "\n\treturn arg;\n}\n")
    if inversion:
        out.append(f"static void *inverter(void *arg)\n{{\n\tpthread_mutex_lock(&m{n - 1});\n"
                   f"\tpthread_mutex_lock(&m0);\n\tpthread_mutex_unlock(&m0);\n"
                   f"\tpthread_mutex_unlock(&m{n - 1});\n\treturn arg;\n}}\n")
    out.append("int main(void)\n{\n\tpthread_t a, b;\n"
               "\tpthread_create(&a, NULL, worker, NULL);\n\tpthread_join(a, NULL);\n"
               "\tpthread_create(&b, NULL, worker, NULL);\n\tpthread_join(b, NULL);")
    if inversion:
        out.append("\tpthread_t c;\n\tpthread_create(&c, NULL, inverter, NULL);\n"
                   "\tpthread_join(c, NULL);")
    out.append("\treturn 0;\n}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    sys.stdout.write(program(int(args[0]), "--inversion" in sys.argv))
