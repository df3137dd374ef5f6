#!/bin/sh
# Removes from the image's venv what the service never loads (about 0.3 GB). The service starts
# and scores with both models without any of it: the Dockerfile's smoke test at build time and
# tests/e2e/test_e2e_docker_image.py check that.
#   - CatBoost's plotting stack. catboost declares plotly, matplotlib and graphviz for its
#     training widgets and plots; scoring never imports them (the project's own plots are the
#     `evaluation` extra, which an image does not install).
#   - Test suites shipped inside packages (pandas alone: 39 MB).
#   - kubernetes' asyncio client (68 MB): kserve imports only the synchronous one.
set -eu
site="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
before="$(du -sm "$site" | cut -f1)"
pip uninstall --yes --quiet plotly narwhals matplotlib contourpy cycler fonttools kiwisolver graphviz
find "$site" -depth -type d -name tests -path "$site/*/tests" -exec rm -rf {} +
rm -rf "$site/kubernetes/aio"
# Last, pip itself (16 MB): the runtime stages copy the project in already installed (the
# Dockerfile's `project` stage), and nothing installs into a running image.
pip uninstall --yes --quiet pip
echo "slim-venv.sh: site-packages $before MB -> $(du -sm "$site" | cut -f1) MB"
