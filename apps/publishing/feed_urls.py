from django.urls import path
from django.views.decorators.http import condition

from . import feeds

_conditional = condition(last_modified_func=feeds.feed_last_modified)

app_name = "website_feed"
urlpatterns = [
    path("notizie.atom", _conditional(feeds.WebsiteNewsAtom()), name="atom"),
    path("notizie.rss", _conditional(feeds.WebsiteNewsRss()), name="rss"),
    path("notizie/", feeds.news_list, name="list"),
    path("notizie/<int:pk>/", feeds.news_item, name="item"),
]
