"""Write the held-out dev CSVs the model card reports on (none of these rows is trained on).

python -m training.devsets ../shared/datasets/sentiment var/dev
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from training.data import read_labelled_csv

# output name -> (corpus file, splits kept, or None for the whole file)
DEV_SETS: dict[str, tuple[str, set[str] | None]] = {
    "ru_brand_tweets_test": ("ru_sentirueval2015_brand_tweets.csv", {"test"}),
    "ru_reviews": ("ru_sentirueval2015_reviews_train.csv", None),
    "en_sst2_dev": ("en_sst2.csv", {"dev"}),
    "ru_rusentiment_test": ("ru_rusentiment.csv", {"test"}),
    "ru_rusentitweet_test": ("ru_rusentitweet.csv", {"test"}),
    "ru_romip_news_test": ("ru_romip2012_news_quotes.csv", {"test"}),
    # added in the second round; the bundled model never saw any of them
    "ru_rusentne_news_dev": ("ru_rusentne2023_news_entities.csv", {"dev"}),
    "ru_cedr_test": ("ru_cedr_emotions.csv", {"test"}),
    "ru_mozetic_tweets": ("ru_mozetic2016_tweets.csv", None),
    "en_tweeteval_val": ("en_tweeteval2017_val.csv", {"val"}),
    "en_xlmt_tweets": ("en_xlmt_tweets.csv", None),
}


def write_dev_sets(data_dir: str | Path, out_dir: str | Path) -> dict[str, int]:
    """Write one `text,label,lang,source` CSV per dev set; returns rows per file."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, (filename, splits) in DEV_SETS.items():
        rows = [
            r
            for r in read_labelled_csv(Path(data_dir) / filename)
            if splits is None or r.split in splits
        ]
        with (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["text", "label", "lang", "source"])
            writer.writerows((r.text, r.label, r.lang, r.source) for r in rows)
        counts[name] = len(rows)
    return counts


if __name__ == "__main__":
    print(write_dev_sets(sys.argv[1], sys.argv[2]))
