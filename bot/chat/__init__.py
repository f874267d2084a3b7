"""Everything a person talks to: Telegram handlers, the terminal chat, the CLI.

Every command starts here, before anything imports numpy, so this is where the process is set
up for numpy: no transparent huge pages for its arrays. With the kernel's usual ``defrag=madvise``
a build's first touch of each fresh 2 MB page may wait for memory compaction: measured on the
4,490-note corpus, ``index build`` after 10 notes added spent 0.03-0.3 s of system time in
``build_index`` with huge pages and a steady 0.04-0.09 s without (``NUMPY_MADVISE_HUGEPAGE`` is
numpy's own switch; a value already set in the environment wins).
"""

import os

os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
