# gpu-cloud-emulator: every vendor API on :8000 with the default fixtures.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    EMULATOR_HOST=0.0.0.0 \
    EMULATOR_PORT=8000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY emulator ./emulator
COPY fixtures ./fixtures
RUN pip install . && useradd --create-home --uid 10001 emulator \
    && mkdir -p /data && chown emulator /data

USER emulator
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/_emulator/health', timeout=2); sys.exit(0)"
CMD ["gpu-emulator", "serve", "--host", "0.0.0.0"]
