FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOTLINE_ENV=production HOTLINE_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY lexicon lexicon
COPY residents residents
COPY knowledge knowledge
COPY tickets tickets
COPY bot bot
COPY api api
COPY channels channels
COPY console console
COPY hotline hotline
RUN pip install --no-cache-dir . && useradd --system --home /data hotline && mkdir -p /data && chown hotline /data
USER hotline
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["hotline", "serve", "--host", "0.0.0.0", "--port", "8000"]
