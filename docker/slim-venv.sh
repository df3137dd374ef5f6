#!/bin/sh
# Removes from the image's venv what the service never loads (about 0.4 GB). The service starts
# and scores with both models without any of it: the Dockerfile's smoke test at build time and
# tests/e2e/test_e2e_docker_image.py check that. An import trace of a serving container
# (PYTHONPROFILEIMPORTTIME=1 in every process, while both models scored and explained edits and
# the ORES, info, thresholds, metrics and patrol routes answered) found the same modules imported,
# and the same answers, with or without what the list below removes.
#   - CatBoost's plotting stack. catboost declares plotly, matplotlib and graphviz for its
#     training widgets and plots; scoring never imports them (the project's own plots are the
#     `evaluation` extra, which an image does not install).
#   - grpcio-tools (protoc, 8 MB) and setuptools (8 MB), which only grpcio-tools requires. kserve
#     declares grpcio-tools, but neither it nor grpc imports it except in a try/except ImportError
#     (grpc's old `grpc.tools` alias, and grpc.protos(), which compiles .proto files at run time
#     and which nothing here calls); setuptools' distutils-precedence.pth goes with it.
#   - Pillow (23 MB). kserve declares it and imports it nowhere; pygments' image formatter and
#     sklearn's sample-image loaders import it inside functions the service never calls.
#   - Test suites shipped inside packages (pandas alone: 39 MB).
#   - kubernetes' asyncio client (68 MB): kserve imports only the synchronous one.
#   - That client's API classes and resource models (57 MB; kubernetes loads each lazily on first
#     use): only kserve's KServeClient, the SDK that manages InferenceServices in a cluster, uses
#     them, and the service never constructs one. Their packages' __init__ modules stay, since
#     importing kserve imports them.
#   - Type stubs (*.pyi): read by type checkers, never by the interpreter.
set -eu
site="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
before="$(du -sm "$site" | cut -f1)"
pip uninstall --yes --quiet plotly narwhals matplotlib contourpy cycler fonttools kiwisolver graphviz
pip uninstall --yes --quiet grpcio-tools setuptools
pip uninstall --yes --quiet pillow
find "$site" -depth -type d -name tests -path "$site/*/tests" -exec rm -rf {} +
rm -rf "$site/kubernetes/aio"
for lazy in "$site/kubernetes/client/api" "$site/kubernetes/client/models"; do
  find "$lazy" -maxdepth 1 -name '*.py' ! -name __init__.py -delete
  find "$lazy/__pycache__" -name '*.pyc' ! -name '__init__.*' -delete
done
find "$site" -name '*.pyi' -delete
# Last, pip itself (16 MB): the runtime stages copy the project in already installed (the
# Dockerfile's `project` stage), and nothing installs into a running image.
pip uninstall --yes --quiet pip
echo "slim-venv.sh: site-packages $before MB -> $(du -sm "$site" | cut -f1) MB"
