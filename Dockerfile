# pathbot: `pathbot run` with the SQLite database on a volume.
#   docker build -t pathbot .
#   docker run --restart unless-stopped -e DISCORD_TOKEN=... -v pathbot-data:/data -p 3000:3000 pathbot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATHBOT_DB=/data/pathbot.sqlite3 \
    PATHBOT_HTTP_HOST=0.0.0.0 \
    PATHBOT_HTTP_PORT=3000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
COPY migrations ./migrations
RUN pip install --no-cache-dir . && useradd --create-home pathbot && mkdir /data \
    && chown pathbot /data

USER pathbot
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz')"
ENTRYPOINT ["pathbot"]
CMD ["run"]
