"""
The code the example DAGs share: articles and their audioforms, the article pipeline, storage settings.

A package at the top of the DAGs folder, imported as ``audio_examples``: Airflow puts the DAGs
folder (the bundle's path) on ``sys.path`` when it parses a DAG file or runs a task, never its
parent, so ``from audio_examples.articles import ...`` works wherever the folder is deployed.
``.airflowignore`` keeps the DAG processor from parsing these modules as DAG files.
"""
