"""Apache Airflow provider for AudioStack, AIOZ Stream, AudioPod AI and AIML API."""

__version__ = "0.1.0"
