"""LinkedIn Posts API: POST /rest/posts (201, the URN in x-restli-id), DELETE /rest/posts/{urn};
requires LinkedIn-Version and X-Restli-Protocol-Version: 2.0.0.

Comments API: GET /rest/socialActions/{post urn}/comments?start=&count= (oldest first, at most
100 a page, ``paging.total``), POST /rest/socialActions/{post or comment urn}/comments (201,
the comment with its ``commentUrn``; ``actor`` must be the organization, ``parentComment`` an
existing comment of ``object``). ``add_comment`` plays a member commenting.

Images API (initializeUpload, PUT) and Videos API: ``POST /rest/videos?action=initializeUpload``
(owner, fileSizeBytes, uploadThumbnail) -> the video URN, ``uploadInstructions`` (byte ranges
of ``part_bytes``, each with an upload URL) and a ``thumbnailUploadUrl``; ``PUT`` each part
(200 with an ``ETag``), the thumbnail and (``uploadCaptions``) an SRT captions file to their
own URLs; ``finalizeUpload`` with ``uploadedPartIds`` (the ETags in order);
``GET /rest/videos/{urn}`` answering ``PROCESSING`` then ``AVAILABLE``; a post's
``content.media.id`` may name a video only once it is AVAILABLE."""

import hashlib
import re
from urllib.parse import unquote

from .base import ChannelServer, RecordedRequest, Reply, bearer_ok, now

REQUIRED = ("author", "commentary", "visibility", "distribution", "lifecycleState")


def _error(status: int, message: str, code: str = "", service_code: int | None = None) -> Reply:
    body = {"status": status, "message": message}
    if code:
        body["code"] = code
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return Reply(status, body)


class LinkedInServer(ChannelServer):
    kind = "linkedin"
    default_token = "AQV-linkedin-test-token-0123456789"
    organization_id = "12345678"

    @property
    def config(self):
        return {**super().config, "organization_id": self.organization_id}

    def server_error(self):
        return _error(500, "Internal Server Error")

    def rate_limited(self, retry_after):
        reply = _error(
            429,
            "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
        )
        reply.headers["Retry-After"] = str(int(retry_after))
        return reply

    def _reset_state(self):
        self.images: dict[str, bytes | None] = {}  # image URN -> the bytes PUT, once uploaded
        self.comments: dict[str, list[dict]] = {}  # post URN -> its comments, oldest first
        # Videos: URN -> {"size", "parts": [(first, last)], "data": {index: bytes},
        # "etags": {index: etag}, "thumbnail": bytes | None, "status", "polls"}.
        self.videos: dict[str, dict] = {}
        # Fault knobs: ``part_bytes`` the size of each upload part (LinkedIn: 4 MB);
        # ``video_processing`` how many reads answer PROCESSING before AVAILABLE;
        # ``video_processing_error`` a text makes it PROCESSING_FAILED with that reason;
        # ``max_video_bytes`` initializeUpload refuses a larger fileSizeBytes (500 MB);
        # ``upload_base`` another origin for the upload URLs (the adapter must refuse them).
        self.part_bytes = 4 * 1024 * 1024
        self.video_processing = 2
        self.video_processing_error = ""
        self.max_video_bytes = 500 * 1024 * 1024
        self.upload_base = ""

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def add_post(self, text: str = "Un post del Comune") -> str:
        """A post of the organization, as if published through POST /rest/posts."""
        urn = f"urn:li:share:{7200000000000000000 + self.next_id()}"
        self.items.append({"id": urn, "text": text, "body": {}})
        return urn

    def add_comment(
        self, post_urn: str, text: str, *, actor: str = "urn:li:person:A1b2C3", parent: str = ""
    ) -> dict:
        """A member comments on one of our posts (or answers a comment: ``parent``)."""
        number = 7300000000000000000 + self.next_id()
        at = now() * 1000 + number % 1000
        comment = {
            "id": str(number),
            "commentUrn": f"urn:li:comment:({post_urn},{number})",
            "actor": actor,
            "object": post_urn,
            "message": {"text": text},
            "created": {"actor": actor, "time": at},
            "lastModified": {"actor": actor, "time": at},
        }
        if parent:
            comment["parentComment"] = parent
        self.comments.setdefault(post_urn, []).append(comment)
        return comment

    def edit_comment(self, comment: dict, text: str) -> None:
        comment["message"] = {"text": text}
        comment["lastModified"] = {
            **comment["lastModified"],
            "time": comment["created"]["time"] + 60_000,
        }

    def _comments(self, request: RecordedRequest, target: str) -> Reply:
        match = re.fullmatch(r"urn:li:comment:\((urn:li:\w+:\d+),\d+\)", target)
        post_urn = match.group(1) if match else target
        if request.method == "GET":
            start, count = request.field("start", "0"), request.field("count", "10")
            if not (str(start).isdigit() and str(count).isdigit()) or int(count) > 100:
                return _error(400, "Invalid paging parameters", "ILLEGAL_ARGUMENT")
            start, count = int(start), int(count)
            comments = self.comments.get(post_urn, [])
            if not any(i["id"] == post_urn for i in self.items) and post_urn not in self.comments:
                return _error(404, f"{post_urn} not found", "NOT_FOUND")
            return Reply(
                200,
                {
                    "paging": {"start": start, "count": count, "total": len(comments), "links": []},
                    "elements": comments[start : start + count],
                },
            )
        body = request.json if isinstance(request.json, dict) else {}
        if body.get("actor") != f"urn:li:organization:{self.organization_id}":
            return _error(403, "Not enough permissions to comment as this actor", "ACCESS_DENIED")
        text = ((body.get("message") or {}).get("text")) or ""
        if not text or len(text) > 1250:
            return _error(422, "/message/text :: 1 to 1250 characters", "UNPROCESSABLE_ENTITY")
        parent = body.get("parentComment") or ""
        known = {c["commentUrn"] for c in self.comments.get(body.get("object"), [])}
        if body.get("object") != post_urn or (parent and parent not in known):
            return _error(400, "/parentComment :: not a comment of /object", "ILLEGAL_ARGUMENT")
        comment = self.add_comment(post_urn, text, actor=body["actor"], parent=parent)
        self.items.append({"id": comment["commentUrn"], "text": text, "body": body})
        return Reply(201, comment, {"x-restli-id": comment["id"]})

    def handle(self, request: RecordedRequest) -> Reply:
        if request.method == "PUT" and request.path.startswith("/dms-uploads/video/"):
            return self._video_part(request)
        if request.method == "PUT" and request.path.startswith("/dms-uploads/"):
            if not bearer_ok(request, self.token):
                return _error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
            urn = request.path.removeprefix("/dms-uploads/")
            if urn not in self.images or not request.body:
                return _error(400, "Invalid upload", "ILLEGAL_ARGUMENT")
            self.images[urn] = request.body
            return Reply(201)
        if not bearer_ok(request, self.token):
            return _error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        if not request.header("linkedin-version"):
            return _error(
                400,
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
                "VERSION_MISSING",
            )
        if request.header("x-restli-protocol-version") != "2.0.0":
            return _error(400, "X-Restli-Protocol-Version 2.0.0 required", "ILLEGAL_ARGUMENT")
        comments = re.fullmatch(r"/rest/socialActions/([^/]+)/comments", request.path)
        if comments and request.method in ("GET", "POST"):
            return self._comments(request, unquote(comments.group(1)))
        if request.method == "GET" and request.path.startswith("/rest/organizations/"):
            if request.path.rsplit("/", 1)[-1] != self.organization_id:
                return _error(403, "Not enough permissions to access organization", "ACCESS_DENIED")
            return Reply(
                200, {"id": int(self.organization_id), "localizedName": "Comune di Esempio"}
            )
        if request.method == "GET" and request.path == "/rest/organizationalEntityShareStatistics":
            return self._share_statistics(request)
        if request.method == "GET" and request.path.startswith("/rest/networkSizes/"):
            org = unquote(request.path[len("/rest/networkSizes/") :])
            if org != f"urn:li:organization:{self.organization_id}":
                return _error(403, "Not enough permissions to access organization", "ACCESS_DENIED")
            if request.field("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
                return _error(400, "Invalid edgeType", "ILLEGAL_ARGUMENT")
            return Reply(200, {"firstDegreeSize": self.followers})
        if request.method == "POST" and request.path == "/rest/images":
            if request.field("action") != "initializeUpload":
                return _error(400, "action=initializeUpload required", "ILLEGAL_ARGUMENT")
            owner = ((request.json or {}).get("initializeUploadRequest") or {}).get("owner")
            if owner != f"urn:li:organization:{self.organization_id}":
                return _error(403, "Not enough permissions for this owner", "ACCESS_DENIED")
            urn = f"urn:li:image:C4D10AQ{self.next_id():08d}"
            self.images[urn] = None
            return Reply(
                200,
                {
                    "value": {
                        "uploadUrlExpiresAt": 1767225600000,
                        "uploadUrl": f"{self.base_url}/dms-uploads/{urn}",
                        "image": urn,
                    }
                },
            )
        if request.method == "POST" and request.path == "/rest/videos":
            return self._videos_action(request)
        if request.method == "GET" and request.path.startswith("/rest/videos/"):
            return self._video_status(unquote(request.path[len("/rest/videos/") :]))
        if request.method == "POST" and request.path == "/rest/posts":
            body = request.json if isinstance(request.json, dict) else {}
            missing = [name for name in REQUIRED if name not in body]
            if missing:
                return _error(
                    422, f"/{missing[0]} :: field is required but not found", "UNPROCESSABLE_ENTITY"
                )
            if body["author"] != f"urn:li:organization:{self.organization_id}":
                return _error(
                    403,
                    "Not enough permissions to access: partnerApiPostsExternal.CREATE",
                    "ACCESS_DENIED",
                    100,
                )
            if len(body["commentary"]) > 3000:
                return _error(422, "/commentary :: length exceeds 3000", "UNPROCESSABLE_ENTITY")
            content = body.get("content") or {}
            media = [content["media"]] if "media" in content else []
            media += (content.get("multiImage") or {}).get("images") or []
            videos = [m for m in media if str(m.get("id", "")).startswith("urn:li:video:")]
            media = [m for m in media if m not in videos]
            if any(self.videos.get(m["id"], {}).get("status") != "AVAILABLE" for m in videos):
                return _error(422, "/content :: video not available", "UNPROCESSABLE_ENTITY")
            if any(self.images.get(m.get("id")) is None for m in media):
                return _error(422, "/content :: image not uploaded", "UNPROCESSABLE_ENTITY")
            if "multiImage" in content and not 2 <= len(media) <= 20:
                return _error(422, "/content/multiImage :: 2 to 20 images", "UNPROCESSABLE_ENTITY")
            urn = f"urn:li:share:{7200000000000000000 + self.next_id()}"
            self.items.append({"id": urn, "text": body["commentary"], "body": body})
            return Reply(201, b"", {"x-restli-id": urn})
        if request.method == "DELETE" and request.path.startswith("/rest/posts/"):
            urn = unquote(request.path[len("/rest/posts/") :])
            item = next((i for i in self.items if i["id"] == urn), None)
            if item is None:
                return _error(404, "Not Found")
            self.items.remove(item)
            return Reply(204)
        return _error(404, "Not Found")

    def _upload_base(self) -> str:
        return self.upload_base or self.base_url

    def _videos_action(self, request: RecordedRequest) -> Reply:
        action = request.field("action")
        body = request.json if isinstance(request.json, dict) else {}
        if action == "initializeUpload":
            payload = body.get("initializeUploadRequest") or {}
            if payload.get("owner") != f"urn:li:organization:{self.organization_id}":
                return _error(403, "Not enough permissions for this owner", "ACCESS_DENIED")
            size = payload.get("fileSizeBytes")
            if not isinstance(size, int) or size <= 0:
                return _error(400, "/fileSizeBytes :: field is required", "ILLEGAL_ARGUMENT")
            if size > self.max_video_bytes:
                return _error(
                    400,
                    f"File size {size} exceeds the maximum allowed {self.max_video_bytes}",
                    "ILLEGAL_ARGUMENT",
                )
            urn = f"urn:li:video:C5F10AQ{self.next_id():08d}"
            parts = [
                (first, min(first + self.part_bytes, size) - 1)
                for first in range(0, size, self.part_bytes)
            ]
            base = self._upload_base()
            self.videos[urn] = {
                "size": size,
                "parts": parts,
                "data": {},
                "etags": {},
                "thumbnail": None,
                "captions": None,
                "status": "WAITING_UPLOAD",
                "polls": 0,
            }
            value = {
                "uploadUrlsExpireAt": 1767225600000,
                "video": urn,
                "uploadInstructions": [
                    {
                        "uploadUrl": f"{base}/dms-uploads/video/{urn}/{index}",
                        "firstByte": first,
                        "lastByte": last,
                    }
                    for index, (first, last) in enumerate(parts)
                ],
                "uploadToken": "",
            }
            if payload.get("uploadThumbnail"):
                value["thumbnailUploadUrl"] = f"{base}/dms-uploads/video/{urn}/thumbnail"
            if payload.get("uploadCaptions"):
                value["captionsUploadUrl"] = f"{base}/dms-uploads/video/{urn}/captions"
            return Reply(200, {"value": value})
        if action == "finalizeUpload":
            payload = body.get("finalizeUploadRequest") or {}
            video = self.videos.get(payload.get("video"))
            if video is None:
                return _error(404, "Video not found", "NOT_FOUND")
            expected = [video["etags"].get(i) for i in range(len(video["parts"]))]
            if None in expected or payload.get("uploadedPartIds") != expected:
                return _error(400, "Uploaded part ids do not match", "ILLEGAL_ARGUMENT")
            video["status"] = "PROCESSING"
            return Reply(200, b"")
        return _error(400, "Unknown action", "ILLEGAL_ARGUMENT")

    def _video_part(self, request: RecordedRequest) -> Reply:
        if not bearer_ok(request, self.token):
            return _error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        urn, _sep, index = request.path.removeprefix("/dms-uploads/video/").rpartition("/")
        video = self.videos.get(urn)
        extras = ("thumbnail", "captions")
        if video is None or video["status"] != "WAITING_UPLOAD" and index not in extras:
            return _error(400, "Invalid upload", "ILLEGAL_ARGUMENT")
        if index == "thumbnail":
            video["thumbnail"] = request.body
            return Reply(201)
        if index == "captions":
            if not re.match(rb"\d+\r?\n\d\d:\d\d:\d\d,\d{3} --> ", request.body):
                return _error(400, "Captions must be an SRT file", "ILLEGAL_ARGUMENT")
            video["captions"] = request.body
            return Reply(201)
        if not index.isdigit() or int(index) >= len(video["parts"]):
            return _error(400, "Invalid upload part", "ILLEGAL_ARGUMENT")
        first, last = video["parts"][int(index)]
        if len(request.body) != last - first + 1:
            return _error(400, "Part size does not match the upload instructions", "BAD_PART")
        video["data"][int(index)] = request.body
        etag = "/" + hashlib.sha256(request.body).hexdigest()[:24]
        video["etags"][int(index)] = etag
        return Reply(200, b"", {"ETag": etag})

    def _video_status(self, urn: str) -> Reply:
        video = self.videos.get(urn)
        if video is None:
            return _error(404, "Video not found", "NOT_FOUND")
        if video["status"] == "PROCESSING":
            if self.video_processing_error:
                video["status"] = "PROCESSING_FAILED"
            elif video["polls"] >= self.video_processing:
                video["status"] = "AVAILABLE"
            video["polls"] += 1
        owner = f"urn:li:organization:{self.organization_id}"
        body = {"id": urn, "status": video["status"], "owner": owner}
        if video["status"] == "PROCESSING_FAILED":
            body["processingFailureReason"] = self.video_processing_error
        return Reply(200, body)

    def uploaded_video(self, urn: str) -> bytes:
        """The video's bytes as the parts were PUT, in order."""
        video = self.videos[urn]
        return b"".join(video["data"][i] for i in range(len(video["parts"])))

    def _share_statistics(self, request: RecordedRequest) -> Reply:
        """organizationalEntityShareStatistics for one share (or ugcPost) of the organization."""
        if request.field("q") != "organizationalEntity":
            return _error(400, "Invalid query parameters passed to request", "ILLEGAL_ARGUMENT")
        org = request.field("organizationalEntity", "")
        if org != f"urn:li:organization:{self.organization_id}":
            return _error(403, "Not enough permissions to access organization", "ACCESS_DENIED")
        raw = request.field("shares") or request.field("ugcPosts") or ""
        match = re.fullmatch(r"List\((.+)\)", raw)
        if not match:
            return _error(400, "Syntax exception in path variables", "ILLEGAL_ARGUMENT")
        urn = match.group(1)
        if not any(item["id"] == urn for item in self.items):
            return _error(404, f"Share {urn} not found", "NOT_FOUND")
        f = self.figures_of(urn)
        statistics = {
            "uniqueImpressionsCount": f["reach"],
            "impressionCount": f["impressions"],
            "likeCount": f["reactions"],
            "commentCount": f["comments"],
            "shareCount": f["shares"],
            "clickCount": f["link_clicks"],
            "engagement": round(
                (f["reactions"] + f["comments"] + f["shares"] + f["link_clicks"])
                / max(f["impressions"], 1),
                4,
            ),
        }
        key = "ugcPost" if urn.startswith("urn:li:ugcPost:") else "share"
        return Reply(
            200,
            {
                "paging": {"count": 10, "start": 0, "links": []},
                "elements": [
                    {
                        "totalShareStatistics": statistics,
                        key: urn,
                        "organizationalEntity": org,
                    }
                ],
            },
        )
