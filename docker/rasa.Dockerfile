# Rasa server and action server image: Python 3.10, Rasa 3.6.21, underthesea, our components and actions.
FROM python:3.10-slim
WORKDIR /app
COPY requirements/rasa.in requirements/rasa.lock.txt requirements/
RUN pip install --no-cache-dir -r requirements/rasa.in -c requirements/rasa.lock.txt
COPY bot bot
COPY actions actions
COPY xaso_text xaso_text
COPY knowledge knowledge
COPY scripts scripts
ENV RASA_BIN=rasa RASA_PYTHON=python XASO_RASA_HOST=0.0.0.0
EXPOSE 5005 5055
CMD ["scripts/start-rasa.sh"]
